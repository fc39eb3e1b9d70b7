// One line per event of the run's history, as it arrives over SSE.
import { clock, count, h, plural, usd } from "./ui.js";

export const EVENT_TYPES = [
  "run.requested", "spec.produced", "contract.proposed", "contract.reviewed", "build.produced", "verdict.produced",
  "usage.reserved", "usage.recorded", "usage.released", "work.failed", "work.progress", "budget.exceeded", "run.control", "run.transition",
];
/** Bookkeeping lines, hidden with the usage toggle. */
const USAGE_TYPES = new Set(["usage.reserved", "usage.recorded", "usage.released", "work.progress"]);

function describe(m) {
  const p = m.payload ?? {};
  const where = m.sprint ? `Sprint ${m.sprint}${m.attempt ? `, attempt ${m.attempt}` : ""}: ` : "";
  switch (m.type) {
    case "run.requested": return ["start", "Run requested"];
    case "spec.produced": return ["spec", `Spec v${p.version}: ${p.spec?.title} — ${plural(p.spec?.features?.length ?? 0, "feature")} in ${plural(p.spec?.sprints?.length ?? 0, "sprint")}`];
    case "contract.proposed": return ["contract", `${where}contract proposed (round ${p.round}) with ${plural(p.contract?.checks?.length ?? 0, "check")}`];
    case "contract.reviewed": return p.review?.approved ? ["ok", `${where}contract approved by ${p.evaluator}`] : ["warn", `${where}${plural(p.review?.changeRequests?.length ?? 0, "change request")} (round ${p.round})`];
    case "build.produced": return ["build", `${where}build handed over, ${plural(p.files?.length ?? 0, "file")}`];
    case "verdict.produced": {
      const v = p.verdict ?? { criteria: [] };
      const passed = v.criteria.filter((c) => c.passed).length;
      return [v.passed ? "ok" : "bad", `${where}${v.evaluator} ${v.passed ? "passed" : "failed"} it — ${passed}/${v.criteria.length} criteria`];
    }
    case "usage.recorded": {
      const u = p.usage ?? {};
      return ["usage", `${p.role} model call · ${count((u.inputTokens ?? 0) + (u.outputTokens ?? 0) + (u.cacheReadInputTokens ?? 0) + (u.cacheCreationInputTokens ?? 0))} tokens · ${usd(p.costUsd)}`];
    }
    case "usage.reserved": return ["usage", `${p.role} model call reserved · up to ${usd(p.worstCase?.costUsd)}`];
    case "usage.released": return ["usage", `model call released, never answered${p.reason ? ` · ${p.reason}` : ""}`];
    case "work.failed": return ["bad", `${p.role} gave up on ${p.work}: ${p.reason}`];
    // Shown with usage: a heartbeat, not a step.
    case "work.progress": return ["usage", `${where}${p.role} still at ${p.work} after ${Math.round((p.elapsedMs ?? 0) / 60_000)} min`];
    case "budget.exceeded": return ["bad", `${p.kind} budget: ${p.detail || `${p.used} of ${p.limit}`}`];
    case "run.control":
      if (p.action === "revise_spec") return ["control", `Operator asked for spec changes: “${p.comment ?? ""}”`];
      if (p.action === "revise_contract") return ["control", `Operator asked for contract changes: “${p.comment ?? ""}”`];
      return ["control", `Operator: ${p.action}${p.comment ? ` — ${p.comment}` : ""}`];
    case "run.transition":
      if (p.from === p.to) return ["warn", `${p.decision.replaceAll("_", " ")}: ${p.reason}`];
      return [`to-${p.to}`, `${p.from} → ${p.to}${p.reason ? ` · ${p.reason}` : ""}`];
    default: return ["", m.type];
  }
}

export function timelineItem(e) {
  const m = e.message ?? {};
  const [kind, text] = describe(m);
  return h("li", { class: `tl tl-${kind} ${USAGE_TYPES.has(m.type) ? "tl-usage" : ""}`, "data-seq": e.seq, "data-type": m.type },
    h("span", { class: "tl-dot" }),
    h("span", { class: "tl-time mono" }, clock(e.time)),
    h("span", { class: "tl-type mono" }, m.type),
    h("span", { class: "tl-text" }, text));
}

export function timelineCard(showUsage, onToggle) {
  const list = h("ol", { class: `timeline ${showUsage ? "" : "hide-usage"}`, id: "timeline" });
  const toggle = h("label", { class: "small muted toggle" },
    h("input", { type: "checkbox", checked: showUsage, onchange: (ev) => { list.classList.toggle("hide-usage", !ev.target.checked); onToggle(ev.target.checked); } }),
    " model calls");
  return { list, card: h("section", { class: "card timeline-card" }, h("div", { class: "card-head" }, h("h2", {}, "Timeline"), h("span", { class: "small muted", id: "timeline-state" }, "connecting…"), toggle), list) };
}
