/* global document, Node */
// DOM helpers. Text always goes in as text nodes, never as HTML: run data is untrusted.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const STATUS_LABEL = {
  queued: "Queued", planning: "Planning", running: "Running", paused: "Paused",
  completed: "Completed", failed: "Failed", cancelled: "Cancelled",
  pending: "Planned", contracting: "Contracting", awaiting_approval: "Awaiting approval",
  building: "Building", evaluating: "Evaluating", passed: "Passed",
};

export function pill(status, extra = "") {
  return h("span", { class: `pill pill-${status} ${extra}`.trim(), "data-status": status }, STATUS_LABEL[status] ?? status);
}

export function usd(n) {
  if (!Number.isFinite(n)) return "–";
  return n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
}

export function count(n) {
  if (!Number.isFinite(n)) return "–";
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(n);
}

export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function ago(iso) {
  const ms = Date.now() - Date.parse(iso);
  return Number.isFinite(ms) ? `${duration(Math.max(0, ms))} ago` : "–";
}

export function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

/** A bar of `used` against `limit`, amber past 75 %, red past 100 %. */
export function meter(label, used, limit, fmt) {
  const ratio = limit > 0 ? used / limit : 0;
  const fill = h("span", { class: "meter-fill" });
  fill.style.setProperty("width", `${Math.min(100, ratio * 100).toFixed(1)}%`);
  const level = ratio >= 1 ? "over" : ratio >= 0.75 ? "warn" : "ok";
  return h("div", { class: `meter meter-${level}` },
    h("div", { class: "meter-head" }, h("span", { class: "meter-label" }, label), h("span", { class: "meter-value" }, `${fmt(used)} `, h("span", { class: "muted" }, `of ${fmt(limit)}`))),
    h("div", { class: "meter-track" }, fill));
}

const HTTP = { 400: "Bad request", 401: "Not authorised", 404: "Not found", 409: "Conflict", 413: "Too large", 415: "Unsupported" };

/** A refused request, shown where the person acted: its status and the API's own message. */
export function formError(err, id) {
  return h("p", { class: "form-error", role: "alert", id },
    h("strong", {}, err.status ? `${err.status} ${HTTP[err.status] ?? "Error"}` : "Not sent"), " ", err.message);
}

/** "1 check", "3 checks". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function empty(text) {
  return h("div", { class: "empty" }, text);
}

/**
 * A line diff of two lists of strings by longest common subsequence: `{ op, text }` in order,
 * op "same", "del" (only in `a`) or "add" (only in `b`); within a change, deletions come first.
 * The common head and tail are trimmed first; a change too large for the table (over 4M cells)
 * is shown as all of `a` deleted and all of `b` added.
 */
export function diffLines(a, b) {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let endA = a.length;
  let endB = b.length;
  while (endA > head && endB > head && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const x = a.slice(head, endA);
  const y = b.slice(head, endB);
  const n = x.length;
  const m = y.length;
  const mid = [];
  if (n * m > 4_000_000) {
    for (const text of x) mid.push({ op: "del", text });
    for (const text of y) mid.push({ op: "add", text });
  } else {
    // lcs[i * (m + 1) + j]: the longest common subsequence of x[i..] and y[j..].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) { mid.push({ op: "same", text: x[i] }); i++; j++; }
      else if (j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) mid.push({ op: "del", text: x[i++] });
      else mid.push({ op: "add", text: y[j++] });
    }
  }
  return [
    ...a.slice(0, head).map((text) => ({ op: "same", text })),
    ...mid,
    ...a.slice(endA).map((text) => ({ op: "same", text })),
  ];
}

/** Text as lines for `diffLines`: no text is no lines, not one empty line. */
export function linesOf(text) {
  return text === undefined || text === null || text === "" ? [] : String(text).split(/\r?\n/);
}

/**
 * Runs `change` (which may rebuild or move what holds `box`), keeping the text box's focus and
 * caret: a live update never interrupts someone typing.
 */
export function keepingFocus(box, change) {
  const focused = document.activeElement === box;
  const [from, to] = [box.selectionStart, box.selectionEnd];
  change();
  if (focused && box.isConnected) { box.focus(); box.setSelectionRange(from, to); }
}
