// Hash routes, so the dashboard's paths never collide with the API's: #/, #/runs/<id>, #/services.

export function pagesFor(hash) {
  const [path, query] = (hash.replace(/^#/, "") || "/").split("?");
  const params = new URLSearchParams(query ?? "");
  const run = /^\/runs\/([A-Za-z0-9_-]{1,64})$/.exec(path);
  if (run) return { page: "run", id: run[1], params };
  if (path === "/services") return { page: "services", params };
  return { page: "runs", params };
}
