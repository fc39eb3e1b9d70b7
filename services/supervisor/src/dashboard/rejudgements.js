// A finished run's re-judgements (`harness rejudge`): its stored builds judged again by the
// evaluators as they are now, each verdict beside the run's own, the disagreements first. The
// run's outcome and cost are not changed by them; they are shown apart, on their own card.
import { h, pill, usd } from "./ui.js";

const word = (v) => (v === null || v === undefined ? "–" : v ? "pass" : "fail");

function attemptRow(a) {
  const where = a.sprint === 0 ? `final acceptance · attempt ${a.attempt}` : `sprint ${a.sprint} · attempt ${a.attempt}`;
  const changed = a.criteria.filter((c) => !c.agree);
  return h("li", { class: a.disagreements > 0 ? "ac ac-fail" : "ac ac-pass", "data-rejudged": `${a.sprint}/${a.attempt}/${a.evaluator}` },
    h("div", {},
      h("div", {}, h("strong", {}, where), ` · ${a.evaluator}: was ${word(a.original?.passed)}, now ${a.status === "judged" ? word(a.now?.passed) : a.status}`,
        a.disagreements > 0 ? ` · ${a.disagreements} changed` : ""),
      changed.length > 0 ? h("ul", { class: "plain" }, ...changed.map((c) => h("li", { "data-check": c.checkId },
        h("span", { class: "mono" }, c.checkId), `: was ${word(c.original)}, now ${word(c.now)}`, c.feedback ? h("div", { class: "muted" }, c.feedback) : ""))) : ""));
}

/** The card, or null when the run has none. */
export function rejudgementsView(list) {
  if (!list || list.length === 0) return null;
  return h("section", { class: "card", id: "rejudgements" }, h("h2", {}, "Re-judgements"),
    ...list.map((r) => h("div", { class: "stack", "data-rejudgement": r.id },
      h("div", {}, pill(r.status), " ", h("span", { class: "mono muted" }, r.id), ` · ${r.evaluators.join(", ")} · ${r.report.disagreements} criteria changed · ${usd(r.costUsd)} (not charged to the run)`),
      ...r.report.missing.map((m) => h("div", { class: "muted" }, `${m.name}: snapshot no longer stored (retention); not judged`)),
      h("ul", { class: "plain" }, ...r.report.attempts.map(attemptRow)))));
}
