// What the run has proved, per acceptance criterion: the feature board (each criterion's latest
// evidence, regressions and the final acceptance included) and the final acceptance card.
import { artifactLink } from "./artifacts.js";
import { verdictBlock } from "./run-view.js";
import { empty, h, pill, plural, usd } from "./ui.js";

/**
 * Every criterion result of the run, oldest first (sprints in order, their attempts in order,
 * then the final acceptance's attempts), each with where it was seen and the criterion ids it
 * is evidence for: its own `criterionIds`, else those of the check it ran (for a regression, the
 * check of the sprint it came from).
 */
function resultsInOrder(run) {
  const checkOf = new Map();
  for (const s of run.sprints) for (const c of s.contract?.checks ?? []) checkOf.set(`${s.number}/${c.id}`, c);
  const ids = (sprint, c) => c.criterionIds ?? (c.origin ? checkOf.get(`${c.origin.sprint}/${c.origin.checkId}`) : checkOf.get(`${sprint}/${c.checkId}`))?.criterionIds ?? [];
  const out = [];
  const add = (where, sprint, attempt) => {
    for (const v of Object.values(attempt.verdicts)) for (const c of v.criteria) out.push({ c, where, evaluator: v.evaluator, ids: ids(sprint, c) });
  };
  for (const s of [...run.sprints].sort((a, b) => a.number - b.number)) for (const a of s.attempts) add(`sprint ${s.number} · attempt ${a.attempt}`, s.number, a);
  const last = run.sprints.find((s) => s.number === run.currentSprint)?.number ?? 0;
  for (const a of run.final?.attempts ?? []) add(`final acceptance · attempt ${a.attempt}`, last, a);
  return out;
}

/** Criterion id -> its latest result and where it came from. */
export function latestEvidence(run) {
  const latest = new Map();
  for (const r of resultsInOrder(run)) for (const id of r.ids) latest.set(id, r);
  return latest;
}

function criterionLine(criterion, r) {
  const state = !r ? "none" : r.c.passed ? "pass" : "fail";
  const first = r?.c.evidence.find((e) => !e.artifact)?.summary;
  return h("li", { class: `ac ac-${state}`, "data-criterion": criterion.id },
    h("span", { class: "ac-mark" }, state === "none" ? "○" : state === "pass" ? "✓" : "✗"),
    h("div", {},
      h("div", {}, h("span", { class: "mono muted" }, criterion.id), " ", criterion.text),
      r ? h("div", { class: "small ac-evidence" },
        h("span", { class: "tag" }, r.c.kind), " ", h("span", { class: "mono" }, r.c.checkId), ` · ${r.where}`,
        r.c.origin ? ` · from sprint ${r.c.origin.sprint}` : "",
        r.c.passed ? (first ? h("span", { class: "muted" }, ` · ${first}`) : null) : h("div", { class: "feedback" }, r.c.feedback))
        : h("div", { class: "small muted" }, "no evidence yet")));
}

/** Every feature of the spec as a card, in the state of the sprint that carries it, with each criterion's latest evidence. */
export function featureBoard(run) {
  if (!run.spec) return h("section", { class: "card" }, h("h2", {}, "Features"), empty("The planner has not written the spec yet."));
  const sprintOf = new Map();
  for (const p of run.spec.sprints) for (const f of p.featureIds) sprintOf.set(f, p.number);
  const latest = latestEvidence(run);
  const cards = run.spec.features.map((f) => {
    const n = sprintOf.get(f.id);
    const sprint = run.sprints.find((s) => s.number === n);
    const state = !sprint ? "unplanned" : sprint.status === "pending" ? "pending" : sprint.status;
    // Criteria without ids (a spec from before they existed) get them by position, as the API does.
    const criteria = f.acceptanceCriteria.map((a, i) => (typeof a === "string" ? { id: `${f.id}.${i + 1}`, text: a } : a));
    return h("article", { class: `feature feature-${state}`, "data-feature": f.id },
      h("div", { class: "feature-top" }, h("span", { class: "mono muted" }, f.id), n ? h("span", { class: "muted" }, `sprint ${n}`) : null),
      h("h3", {}, f.title),
      h("p", { class: "muted small" }, f.userStory),
      h("ul", { class: "criteria-list" }, criteria.map((a) => criterionLine(a, latest.get(a.id)))),
      h("div", { class: "feature-foot" }, state === "unplanned" ? h("span", { class: "pill" }, "Not in plan") : pill(state)));
  });
  return h("section", { class: "card" }, h("h2", {}, "Feature board"), h("div", { class: "board" }, cards));
}

/** The final acceptance of the whole product: its status, cost, and each attempt's rework build and verdicts. */
export function finalView(run) {
  const f = run.final;
  if (!f) return null;
  return h("section", { class: "card", id: "final-acceptance", "data-status": f.status },
    h("div", { class: "sprint-head" },
      h("h2", {}, "Final acceptance", h("span", { class: "muted" }, " · every accepted check, the whole spec, the last build")), pill(f.status)),
    h("p", { class: "small muted final-cost" }, `${plural(f.attempts.length, "attempt")} of at most ${run.options.finalAttempts ?? 2} · ${usd(f.costUsd ?? 0)} in ${plural(f.calls ?? 0, "model call")}`),
    h("div", { class: "attempts" }, f.attempts.map((a) => h("div", { class: `attempt attempt-${a.status}` },
      h("div", { class: "attempt-head" }, h("strong", {}, `Attempt ${a.attempt}`), pill(a.status),
        a.build ? artifactLink(`/runs/${run.id}/artifacts/${a.build.artifact.name}`, `${run.id}-final-attempt-${a.attempt}.tar.gz`, { class: "small" }, `rework snapshot · ${plural(a.build.files.length, "file")}`) : null),
      Object.values(a.verdicts).length === 0 ? h("p", { class: "muted small" }, a.status === "building" ? "Reworking…" : "Waiting for verdicts…") : Object.values(a.verdicts).map((v) => verdictBlock(run, v))))));
}
