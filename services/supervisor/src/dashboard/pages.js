/* global location */
// The runs list and the services page.
import { ago, empty, h, pill, usd } from "./ui.js";

// A run at a gate looks like any planning or running run until someone acts: the list says so.
const GATE_WAIT = { spec_approval: "Waits for your approval of the spec", contract_approval: "Waits for your approval of the contract" };

const FILTERS = ["all", "running", "planning", "paused", "completed", "failed", "cancelled"];

export function runsPage(list, filter, actions) {
  const chips = h("div", { class: "chips" }, FILTERS.map((f) =>
    h("a", { class: `chip ${filter === f ? "chip-on" : ""}`, href: f === "all" ? "#/" : `#/?status=${f}` }, f)));
  const form = h("form", { class: "new-run", onsubmit: (ev) => { ev.preventDefault(); actions.create(form.prompt.value, form); } },
    h("textarea", { name: "prompt", rows: 2, placeholder: "Describe a product: “a pixel-art sprite editor with undo and export”", required: true }),
    h("button", { type: "submit", class: "btn btn-primary" }, "Start run"));
  const rows = list.runs.map((r) => h("tr", { class: "run-row", "data-run": r.id, onclick: () => { location.hash = `#/runs/${r.id}`; } },
    h("td", {}, pill(r.status)),
    h("td", { class: "run-cell" }, h("a", { href: `#/runs/${r.id}` }, r.title ?? r.prompt),
      r.status !== "paused" && GATE_WAIT[r.waitingFor] ? h("div", { class: "small gate-wait" }, GATE_WAIT[r.waitingFor])
        // The last transition's reason ("run requested") says less than the wait does.
        : r.reason && r.status !== "completed" ? h("div", { class: "small muted clip" }, r.reason) : null),
    h("td", { class: "num" }, r.sprints ? `${r.currentSprint}/${r.sprints}` : "–"),
    h("td", { class: "num mono" }, usd(r.costUsd)),
    h("td", { class: "num muted" }, ago(r.updatedAt))));
  return h("div", { class: "page" },
    h("div", { class: "page-head" }, h("h1", {}, "Runs"), h("span", { class: "muted" }, `${list.total} total`)),
    h("section", { class: "card" }, form),
    chips,
    h("section", { class: "card flush" }, rows.length === 0 ? empty("No runs here yet.") :
      h("table", { class: "table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Status"), h("th", {}, "Run"), h("th", { class: "num" }, "Sprint"), h("th", { class: "num" }, "Cost"), h("th", { class: "num" }, "Updated"))),
        h("tbody", {}, rows))));
}

export function servicesPage(services, dlq, actions) {
  const byRole = new Map();
  for (const s of services.services) byRole.set(s.role, [...(byRole.get(s.role) ?? []), s]);
  const lag = Object.entries(services.lag).sort(([a], [b]) => a.localeCompare(b));
  return h("div", { class: "page" },
    h("div", { class: "page-head" }, h("h1", {}, "Services"), h("span", { class: "muted" }, `${services.services.filter((s) => s.alive).length} replicas alive`)),
    h("section", { class: "card" }, h("h2", {}, "Consumer lag"), h("div", { class: "lag" }, lag.length === 0 ? empty("No work consumers yet.") :
      lag.map(([name, n]) => h("div", { class: `lag-item ${n > 0 ? "lag-busy" : ""}` }, h("span", { class: "lag-n" }, n), h("span", { class: "mono small" }, name))))),
    h("section", { class: "card flush" }, services.services.length === 0 ? empty("No heartbeats yet.") :
      h("table", { class: "table" },
        h("thead", {}, h("tr", {}, ["Role", "Name", "Instance", "Version", "Load", "Last seen"].map((t) => h("th", {}, t)))),
        h("tbody", {}, [...byRole.values()].flat().map((s) => h("tr", { class: s.alive ? "" : "stale" },
          h("td", {}, h("span", { class: `dot ${s.alive ? "dot-ok" : "dot-bad"}` }), " ", s.role),
          h("td", { class: "mono" }, s.name), h("td", { class: "mono small" }, s.instance), h("td", { class: "mono small" }, s.version),
          h("td", { class: "num" }, `${s.inFlight}/${s.capacity}`), h("td", { class: "muted" }, ago(s.lastSeen))))))),
    h("div", { class: "page-head" }, h("h2", {}, "Dead letters"), h("span", { class: "muted" }, `${dlq.deadLetters.length}`)),
    h("section", { class: "card flush" }, dlq.deadLetters.length === 0 ? empty("No dead letters. Good.") :
      h("table", { class: "table" },
        h("thead", {}, h("tr", {}, ["#", "Subject", "Consumer", "Reason", "Deliveries", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, dlq.deadLetters.map((d) => h("tr", {},
          h("td", { class: "mono" }, d.seq), h("td", { class: "mono small" }, d.originalSubject), h("td", { class: "mono small" }, d.consumer),
          h("td", { class: "small" }, d.reason), h("td", { class: "num" }, d.deliveries),
          h("td", {}, h("button", { type: "button", class: "btn btn-ghost", onclick: () => actions.redrive(d.seq) }, "Redrive"))))))));
}
