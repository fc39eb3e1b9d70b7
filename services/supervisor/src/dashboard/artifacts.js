// The API token, and run artifacts (snapshots, screenshots) fetched with it. A supervisor with
// SUPERVISOR_READ_AUTH on wants the token on every read, and a plain <a href> or <img src>
// cannot send it: with a token, artifacts are fetched and shown from blob: URLs instead.
import { h } from "./ui.js";

const TOKEN_KEY = "harness.token";

export const token = () => localStorage.getItem(TOKEN_KEY) ?? "";
export const saveToken = (value) => localStorage.setItem(TOKEN_KEY, value);
export const clearToken = () => localStorage.removeItem(TOKEN_KEY);
export const authHeaders = () => (token() ? { authorization: `Bearer ${token()}` } : {});

async function fetchBlob(url) {
  const res = await fetch(url, { headers: authHeaders() });
  if (!res.ok) throw new Error(`${res.status}`);
  return URL.createObjectURL(await res.blob());
}

// Screenshots are named by their content's hash, so a fetched one is never stale: each is fetched
// once per page load however often the run view is redrawn (and kept: a page shows a few).
const images = new Map();
function imageUrl(url) {
  let p = images.get(url);
  if (!p) {
    p = fetchBlob(url);
    p.catch(() => images.delete(url));
    images.set(url, p);
  }
  return p;
}

/**
 * A link that downloads the artifact at `url` as `name`, through fetch with or without a token:
 * a plain link would take the server's name (the artifact's hash) instead.
 */
export function artifactLink(url, name, attrs, ...children) {
  const a = h("a", { ...attrs, href: url, download: name }, ...children);
  a.addEventListener("click", (ev) => {
    ev.preventDefault();
    // Snapshots can be large: fetched per click, and let go once the download has its copy.
    fetchBlob(url).then((u) => {
      h("a", { href: u, download: name }).click();
      setTimeout(() => URL.revokeObjectURL(u), 60_000);
    }, () => a.classList.add("link-failed"));
  });
  return a;
}

/** A screenshot that opens full size in a new tab. */
export function artifactImage(url, alt) {
  const img = h("img", { alt, loading: "lazy" });
  const a = h("a", { class: "shot", target: "_blank" }, img);
  if (!token()) { img.src = url; a.href = url; return a; }
  imageUrl(url).then((u) => { img.src = u; a.href = u; }, () => a.classList.add("link-failed"));
  return a;
}
