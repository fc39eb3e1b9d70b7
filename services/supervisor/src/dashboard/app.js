/* global document, window, location */
// The dashboard: hash routes over the supervisor's own API, live run updates over SSE.
import { authHeaders, clearToken, saveToken, token } from "./artifacts.js";
import { pagesFor } from "./router.js";
import { contractPanel } from "./contract-review.js";
import { featureBoard, finalView } from "./acceptance.js";
import { rejudgementsView } from "./rejudgements.js";
import { budgetForm, budgetMeters, runHeader, specPanel, specVersions, sprintsView } from "./run-view.js";
import { EVENT_TYPES, timelineCard, timelineItem } from "./timeline.js";
import { liveEvents } from "./live.js";
import { h } from "./ui.js";
import { runsPage, servicesPage } from "./pages.js";

const app = document.getElementById("app");
const live = document.getElementById("live");
let teardown = () => {};

// Token: asked once, kept in this browser.
const dialog = document.getElementById("token-dialog");
const tokenInput = document.getElementById("token-input");
const tokenBtn = document.getElementById("token-btn");
// "✗" once the API has refused the stored token, until another is saved.
let refused = false;
const showToken = () => { tokenBtn.textContent = !token() ? "Set token" : refused ? "Token ✗" : "Token ✓"; };
tokenBtn.addEventListener("click", () => { tokenInput.value = token(); dialog.showModal(); });
// A page that could not load (or stream) for want of the token (SUPERVISOR_READ_AUTH) loads
// again once it is given; any other page stays as it is, with whatever was being typed in it.
let pageNeedsToken = false;
document.getElementById("token-save").addEventListener("click", async () => {
  saveToken(tokenInput.value.trim());
  refused = false;
  showToken();
  // Checked at once (GET /auth changes nothing): a mistyped token is said now, not at the next action.
  const res = token() ? await fetch("/auth", { headers: { accept: "application/json", ...authHeaders() } }).catch(() => null) : null;
  if (res?.status === 401) { askForToken(); return; }
  if (res?.ok) toast("Token accepted.", "ok");
  if (pageNeedsToken) route();
});
document.getElementById("token-clear").addEventListener("click", () => { clearToken(); tokenInput.value = ""; showToken(); dialog.close(); });
showToken();

let toastTimer;
function toast(text, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.className = `toast toast-${kind} toast-on`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = "toast"; }, 3500);
}

function askForToken() {
  toast(token() ? "The API refused this token." : "That needs the API token.", "bad");
  refused = token() !== "";
  showToken();
  tokenInput.value = token();
  if (!dialog.open) dialog.showModal();
}

async function api(method, path, body) {
  // Reads carry the token too when there is one: a supervisor may guard them (SUPERVISOR_READ_AUTH).
  const headers = { accept: "application/json", ...authHeaders() };
  if (method !== "GET") Object.assign(headers, { authorization: `Bearer ${token()}`, "content-type": "application/json" });
  let res;
  try {
    res = await fetch(path, { method, headers, ...(method !== "GET" ? { body: JSON.stringify(body ?? {}) } : {}) });
  } catch {
    throw Object.assign(new Error("The supervisor cannot be reached."), { network: true });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401) askForToken();
  if (!res.ok) throw Object.assign(new Error(data?.message ?? `${res.status}`), { status: res.status });
  return data;
}

const actions = {
  async create(prompt, form) {
    try {
      const { id } = await api("POST", "/runs", { prompt });
      form.reset();
      location.hash = `#/runs/${id}`;
    } catch (err) { if (err.status !== 401) toast(err.message, "bad"); }
  },
  async redrive(seq) {
    try { await api("POST", `/dlq/${seq}/redrive`); toast(`Dead letter ${seq} redriven.`, "ok"); route(); } catch (err) { if (err.status !== 401) toast(err.message, "bad"); }
  },
};

// Each page draws only while it is the current one (`current()`): a poll or load still in flight
// when the person navigates away would otherwise draw over the page they went to.
async function showRuns(params, current) {
  const status = params.get("status");
  const render = async () => {
    const list = await api("GET", `/runs?limit=100${status ? `&status=${status}` : ""}`);
    if (current()) app.replaceChildren(runsPage(list, status ?? "all", actions));
  };
  await render();
  const timer = setInterval(() => { render().catch(() => {}); }, 3000);
  return () => clearInterval(timer);
}

async function showServices(current) {
  const render = async () => {
    const [services, dlq] = await Promise.all([api("GET", "/services"), api("GET", "/dlq")]);
    if (current()) app.replaceChildren(servicesPage(services, dlq, actions));
  };
  await render();
  const timer = setInterval(() => { render().catch(() => {}); }, 5000);
  return () => clearInterval(timer);
}

/** The run page: its state re-rendered on each event, its timeline appended to as events stream in. */
async function showRun(id, current) {
  let run = await api("GET", `/runs/${id}`);
  // Re-judgements exist only for finished runs; read again on each refresh of a finished one.
  const TERMINAL = ["completed", "failed", "cancelled"];
  const rejudged = async () => (TERMINAL.includes(run.status) ? (await api("GET", `/runs/${id}/rejudgements`)).rejudgements : []);
  let rejudgements = await rejudged().catch(() => []);
  if (!current()) return () => {};
  const top = h("div", { class: "stack" });
  const rest = h("div", { class: "stack" });
  const stateEl = h("div", { class: "run-state" }, top, rest);
  const { list, card } = timelineCard(localStorage.getItem("harness.showUsage") === "1", (on) => localStorage.setItem("harness.showUsage", on ? "1" : "0"));
  const control = async (action, body) => {
    try {
      await api("POST", `/runs/${id}/${action}`, body);
      toast(`${action[0].toUpperCase()}${action.slice(1)} sent.`, "ok");
    } catch (err) { if (err.status !== 401) toast(err.message, "bad"); }
  };
  // A review box's requests: the outcome shows in the box itself, where the person is typing: no toast.
  const inBox = (path, body) => api("POST", `/runs/${id}/${path}`, body).then(() => null, (err) => err);
  const revise = (comments) => inBox("spec/revise", { comments });
  // Every spec version from the run's spec.produced events, with the comments it answers.
  const produced = new Map();
  let asked = null;
  const spec = specPanel({ revise, approve: () => control("approve") });
  // The change request sent at the contract gate and not yet answered by an agreed round.
  let contractAsked = null;
  const contract = contractPanel({ revise: (comments) => inBox("contract/revise", { comments }), approve: () => inBox("approve") });
  const budget = budgetForm({ control });
  let meters;
  const render = () => {
    meters = budgetMeters(run);
    top.replaceChildren(runHeader(run, { control, budget }), meters);
    rest.replaceChildren(featureBoard(run), sprintsView(run) ?? "", finalView(run) ?? "", rejudgementsView(rejudgements) ?? "");
    spec.update(run, specVersions(run, produced), asked);
    contract.update(run, contractAsked);
    // The contract card (hidden away from its gate) comes first. While the spec is being written
    // or reviewed it comes before that; once building, after the sprints.
    contract.mount(stateEl, rest);
    spec.mount(stateEl, run.waitingFor === "spec" || run.waitingFor === "spec_approval" ? contract.el : null);
  };
  let pending;
  const refresh = () => {
    clearTimeout(pending);
    pending = setTimeout(async () => { try { run = await api("GET", `/runs/${id}`); rejudgements = await rejudged().catch(() => rejudgements); render(); } catch { /* next event retries */ } }, 150);
  };
  render();
  app.replaceChildren(h("div", { class: "run-page" }, stateEl, h("aside", { class: "run-side" }, card)));

  const state = document.getElementById("timeline-state");
  const seen = new Set();
  const onEvent = (type, ev) => {
    if (!EVENT_TYPES.includes(type) || seen.has(ev.id)) return;
    seen.add(ev.id);
    const e = JSON.parse(ev.data);
    const m = e.message ?? {};
    if (m.type === "run.control" && m.payload?.action === "revise_spec") asked = m.payload.comment ?? null;
    if (m.type === "run.control" && m.payload?.action === "revise_contract") contractAsked = { sprint: m.sprint, comments: m.payload.comment ?? "" };
    if (m.type === "contract.reviewed" && m.payload?.review?.approved) contractAsked = null;
    if (m.type === "spec.produced" && m.payload?.spec && !produced.has(m.payload.version)) {
      produced.set(m.payload.version, { version: m.payload.version, spec: m.payload.spec, time: e.time, comments: asked });
      asked = null;
    }
    list.append(timelineItem(e));
    list.lastElementChild?.scrollIntoView({ block: "nearest" });
    refresh();
  };
  const STATES = { open: "live", reconnecting: "reconnecting…", end: "run finished", complete: "history complete", unauthorized: "needs the API token", gone: "not available" };
  const onState = (s) => {
    live.classList.toggle("live-on", s === "open");
    state.textContent = STATES[s] ?? s;
    // The run may have moved on while the stream was down: its state is read again.
    if (s === "end" || s === "complete") refresh();
    if (s === "unauthorized") { pageNeedsToken = true; askForToken(); }
  };
  // The server ends the stream with `end` after the run's terminal transition.
  const stopLive = liveEvents(`/runs/${id}/events`, { token, onEvent, onState });
  // The wall-clock meter moves without events.
  // Only the meters: a full render would also redraw the controls a person may be typing in.
  const clockTimer = setInterval(() => {
    if (document.hidden) return;
    const next = budgetMeters(run);
    meters.replaceWith(next);
    meters = next;
  }, 5000);
  return () => { stopLive(); clearInterval(clockTimer); clearTimeout(pending); live.classList.remove("live-on"); };
}

// Navigations in order: one that finishes after a later one started has been replaced.
let navigation = 0;

async function route() {
  const mine = ++navigation;
  teardown();
  teardown = () => {};
  pageNeedsToken = false;
  // A note about the last page's action does not belong on the next one.
  document.getElementById("toast").className = "toast";
  const { page, id, params } = pagesFor(location.hash);
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("nav-on", a.dataset.nav === (page === "run" ? "runs" : page));
  const current = () => mine === navigation;
  try {
    const stop = page === "run" ? await showRun(id, current) : page === "services" ? await showServices(current) : await showRuns(params ?? new URLSearchParams(), current);
    // Replaced while loading: it drew nothing, and what it started stops here.
    if (!current()) { stop(); return; }
    teardown = stop;
  } catch (err) {
    if (!current()) return;
    if (err.status === 401) pageNeedsToken = true;
    // A supervisor restarting or a 503 (NATS away) passes: the page tries again on its own
    // (not a 500, a fault that would only repeat; not while the tab is hidden).
    const passing = err.network === true || [502, 503, 504].includes(err.status);
    app.replaceChildren(h("div", { class: "page" }, h("div", { class: "card error" }, h("h2", {}, "Could not load this page"), h("p", {}, err.message),
      passing ? h("p", { class: "muted small" }, "Trying again in a few seconds…") : null)));
    if (passing) {
      let timer;
      const retry = () => { if (!current()) return; if (document.hidden) { timer = setTimeout(retry, 3000); return; } route(); };
      timer = setTimeout(retry, 3000);
      teardown = () => clearTimeout(timer);
    }
  }
}

window.addEventListener("hashchange", route);
route();
