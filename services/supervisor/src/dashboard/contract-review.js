// The contract gate: the current sprint's contract (summary, deliverables, checks) and what the
// evaluator said of it, with a box to send the generator change requests or approve the build.
// Also the contract's checks and review rounds as the sprints view lists them.
import { formError, h, keepingFocus, plural } from "./ui.js";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
// While the generator writes the requested round and the evaluator reviews it.
const REVISING = new Set(["contract", "review"]);

/** A contract's checks: kind, id and what each proves. */
export function contractChecks(contract) {
  return [
    h("ul", { class: "checks" }, contract.checks.map((c) => h("li", {}, h("span", { class: "tag" }, c.kind), " ", h("span", { class: "mono" }, c.id), ` — ${c.description}`))),
    // Earlier sprints' accepted checks this contract stops re-running, each with its reason.
    contract.retire?.length ? h("ul", { class: "checks retired" }, contract.retire.map((r) => h("li", { "data-retire": `${r.sprint}/${r.checkId}` },
      h("span", { class: "tag" }, "retires"), " ", h("span", { class: "mono" }, `s${r.sprint}:${r.checkId}`), ` — ${r.reason}`))) : null,
  ];
}

/** One line per review of a round: agreed, or the change requests that went back. */
export function reviewRounds(reviews) {
  return reviews.map((r) => [
    h("p", { class: "small" }, `Round ${r.round}${r.by === "human" ? ", your review" : ""}: `,
      r.review.approved ? h("strong", { class: "ok" }, "approved") : h("strong", { class: "bad" }, plural(r.review.changeRequests.length, "change request")),
      r.review.comments ? ` — ${r.review.comments}` : ""),
    r.review.approved ? null : h("ul", { class: "change-requests small" }, r.review.changeRequests.map((c) => h("li", {}, c.request))),
  ]);
}

function contractBody(sprint) {
  const c = sprint.contract;
  return h("div", { class: "contract-body" },
    h("p", { class: "prose" }, c.summary),
    h("h4", {}, "Deliverables"),
    h("ul", { class: "checks" }, c.deliverables.map((d) => h("li", { "data-deliverable": d.id }, h("span", { class: "mono" }, d.id), ` — ${d.description}`,
      d.featureIds.length ? h("span", { class: "mono muted" }, ` ${d.featureIds.join(", ")}`) : null))),
    h("h4", {}, `Checks (${c.checks.length})`),
    contractChecks(c),
    sprint.reviews.length ? [h("h4", {}, "Review rounds"), reviewRounds(sprint.reviews)] : null);
}

/**
 * The contract card. Like the spec card it keeps its own state (the comments being written, a
 * request sent and not yet answered) and redraws only when what it shows changes, so live
 * updates never interrupt someone typing. `actions.revise(comments)` and `actions.approve()`
 * resolve to null or the error, shown here. `update(run, pending)` takes the run and the change
 * request its events show unanswered (`{ sprint, comments }`), if any.
 */
export function contractPanel(actions) {
  const ui = { busy: null, error: null, sent: null, approved: null, key: "" };
  let run = null;
  let pending = null;
  const el = h("section", { class: "card contract-card", id: "contract", hidden: true });
  const comments = h("textarea", {
    id: "contract-comments", rows: 3, maxlength: 4_000, "aria-label": "Change requests for the generator",
    placeholder: "What should the contract prove that it does not? For example: “Add a check that an empty note is refused with 400.”",
    onkeydown: (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); act("revise"); } },
  });
  const current = () => run?.sprints.find((s) => s.number === run.currentSprint);

  async function act(what) {
    const sprint = current();
    if (ui.busy || !sprint) return;
    ui.busy = what;
    ui.error = null;
    draw();
    const text = comments.value;
    const err = what === "revise" ? await actions.revise(text) : await actions.approve();
    ui.busy = null;
    const at = { sprint: sprint.number, round: sprint.contractRound };
    if (err) ui.error = err;
    else if (what === "approve") ui.approved = at;
    else { ui.sent = { ...at, text: text.trim() }; comments.value = ""; }
    draw();
  }

  /** Redraws in place; the comments box is the same element throughout, focus and caret kept. */
  function draw() {
    keepingFocus(comments, redraw);
  }

  function redraw() {
    const sprint = current();
    const box = sprint && !TERMINAL.has(run.status) ? reviewBox(sprint) : null;
    // While the generator writes the next round, the contract shown is still the one before it.
    const round = run?.waitingFor === "contract" ? sprint.contractRound - 1 : sprint?.contractRound;
    el.hidden = !box;
    el.replaceChildren(...(box ? [
      h("div", { class: "contract-top" }, h("h2", { class: "inline" }, `Sprint ${sprint.number} contract`),
        h("span", { class: "muted" }, `round ${round} · ${plural(sprint.contract?.checks.length ?? 0, "check")}`)),
      box, sprint.contract ? contractBody(sprint) : null,
    ] : []).filter(Boolean));
  }

  function reviewBox(sprint) {
    const gate = run.waitingFor === "contract_approval";
    // A request answered (a later round at the gate) or overtaken (the sprint moved on) is done.
    if (ui.sent && (ui.sent.sprint !== sprint.number || (gate && sprint.contractRound > ui.sent.round) || !(gate || REVISING.has(run.waitingFor)))) ui.sent = null;
    if (ui.approved && !(gate && ui.approved.sprint === sprint.number && ui.approved.round === sprint.contractRound)) ui.approved = null;
    const asked = ui.sent?.text ?? (pending?.sprint === sprint.number ? pending.comments : null);
    if (asked && (ui.sent || REVISING.has(run.waitingFor))) {
      return h("div", { class: "review review-wait", id: "contract-review" },
        h("p", {}, h("strong", {}, "The generator is writing a new round"), " with your change requests; the evaluator reviews it before it comes back here."),
        h("p", { class: "small muted" }, h("q", {}, asked)));
    }
    if (!gate || !sprint.contract) return null;
    if (ui.approved) return h("div", { class: "review review-wait", id: "contract-review" }, h("p", {}, h("strong", {}, "Approved."), " The generator starts building to this contract."));
    const paused = run.status === "paused";
    const off = Boolean(ui.busy) || paused;
    return h("div", { class: "review", id: "contract-review" },
      h("p", {}, h("strong", {}, `Round ${sprint.contractRound} waits for your approval.`), " The evaluator agreed to it. Approve it to start building, or tell the generator what to change."),
      paused ? h("p", { class: "small muted", id: "contract-paused" }, "The run is paused: resume it to approve or to request changes.") : null,
      comments, ui.error ? formError(ui.error, "contract-review-error") : null,
      h("div", { class: "review-actions" },
        h("span", { class: "small muted" }, "Ctrl+Enter sends"),
        h("button", { type: "button", class: "btn", "data-action": "revise-contract", disabled: off, onclick: () => act("revise") }, ui.busy === "revise" ? "Sending…" : "Request changes"),
        h("button", { type: "button", class: "btn btn-ok", "data-action": "approve-contract", disabled: off, onclick: () => act("approve") }, ui.busy === "approve" ? "Approving…" : "Approve contract")));
  }

  return {
    el,
    /** New run state: redrawn only if something the card shows changed. */
    update(nextRun, pendingRequest) {
      run = nextRun;
      pending = pendingRequest ?? null;
      const sprint = current();
      const key = JSON.stringify([run.status, run.waitingFor, run.currentSprint, sprint?.contractRound, sprint?.reviews.length, pending]);
      if (key !== ui.key) { ui.key = key; draw(); }
    },
    /** Puts the card before `before` in `parent`, keeping the comments box focused. */
    mount(parent, before) {
      if (el.parentNode === parent && el.nextElementSibling === before) return;
      keepingFocus(comments, () => parent.insertBefore(el, before));
    },
  };
}
