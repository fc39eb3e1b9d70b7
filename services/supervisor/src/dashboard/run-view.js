// The run page: header and controls, budget meters, feature board, sprints with verdicts, spec.
import { clock, count, duration, empty, h, meter, pill, plural, usd } from "./ui.js";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

const WAITING = {
  spec: "planner writing the spec", spec_approval: "your approval of the spec", contract: "generator proposing a contract",
  review: "evaluator reviewing the contract", contract_approval: "your approval of the contract", build: "generator building",
  verdicts: "evaluators checking the build", human: "a human", nothing: "nothing",
};

export function runHeader(run, actions) {
  const can = {
    pause: !TERMINAL.has(run.status) && run.status !== "paused",
    resume: run.status === "paused",
    approve: run.waitingFor === "spec_approval" || run.waitingFor === "contract_approval",
    cancel: !TERMINAL.has(run.status),
  };
  const button = (action, label, kind) => h("button", {
    type: "button", class: `btn ${kind}`, "data-action": action, disabled: !can[action], onclick: () => actions.control(action),
  }, label);
  return h("section", { class: "run-head" },
    h("div", { class: "run-title" },
      h("a", { class: "back", href: "#/" }, "← Runs"),
      h("h1", {}, run.spec?.title ?? "Untitled run", " ", pill(run.status, "pill-lg")),
      h("p", { class: "prompt" }, run.prompt),
      h("p", { class: "run-meta" },
        h("span", { class: "mono" }, run.id), " · started ", clock(run.createdAt),
        run.status !== "paused" && !TERMINAL.has(run.status) ? [" · waiting for ", h("strong", {}, WAITING[run.waitingFor] ?? run.waitingFor)] : null),
      run.reason ? h("p", { class: `reason reason-${run.status}`, id: "run-reason" }, run.reason) : null),
    h("div", { class: "controls" },
      button("pause", "Pause", "btn-warn"), button("resume", "Resume", "btn-primary"),
      button("approve", "Approve", "btn-ok"), button("cancel", "Cancel", "btn-danger")));
}

export function budgetMeters(run) {
  const b = run.options.budget;
  const u = run.usage;
  const tokens = u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens;
  const end = TERMINAL.has(run.status) ? Date.parse(run.updatedAt) : Date.now();
  return h("section", { class: "card meters" },
    meter("Cost", u.costUsd, b.maxCostUsd, usd),
    meter("Tokens", tokens, b.maxTokens, count),
    meter("Wall clock", end - Date.parse(run.createdAt), b.maxWallClockMs, duration),
    h("div", { class: "usage-facts" },
      fact("model calls", u.calls), fact("input", count(u.inputTokens)), fact("output", count(u.outputTokens)),
      fact("cache read", count(u.cacheReadInputTokens)), fact("cache write", count(u.cacheCreationInputTokens))));
}

function fact(label, value) {
  return h("div", { class: "fact" }, h("span", { class: "fact-value" }, value), h("span", { class: "fact-label" }, label));
}

/** Every feature of the spec as a card, in the state of the sprint that carries it. */
export function featureBoard(run) {
  if (!run.spec) return h("section", { class: "card" }, h("h2", {}, "Features"), empty("The planner has not written the spec yet."));
  const sprintOf = new Map();
  for (const p of run.spec.sprints) for (const f of p.featureIds) sprintOf.set(f, p.number);
  const cards = run.spec.features.map((f) => {
    const n = sprintOf.get(f.id);
    const sprint = run.sprints.find((s) => s.number === n);
    const state = !sprint ? "unplanned" : sprint.status === "pending" ? "pending" : sprint.status;
    const decided = sprint?.attempts.at(-1);
    const evidence = decided ? Object.values(decided.verdicts).flatMap((v) => v.criteria).filter((c) => !c.passed).slice(0, 2) : [];
    return h("article", { class: `feature feature-${state}`, "data-feature": f.id },
      h("div", { class: "feature-top" }, h("span", { class: "mono muted" }, f.id), n ? h("span", { class: "muted" }, `sprint ${n}`) : null),
      h("h3", {}, f.title),
      h("p", { class: "muted small" }, f.userStory),
      h("div", { class: "feature-foot" }, state === "unplanned" ? h("span", { class: "pill" }, "Not in plan") : pill(state),
        evidence.map((c) => h("p", { class: "evidence-line" }, `✗ ${c.description}: ${c.feedback}`))));
  });
  return h("section", { class: "card" }, h("h2", {}, "Feature board"), h("div", { class: "board" }, cards));
}

export function sprintsView(run) {
  if (run.sprints.length === 0) return null;
  return h("section", { class: "card" }, h("h2", {}, "Sprints"), run.sprints.map((s) => sprintBlock(run, s)));
}

function sprintBlock(run, s) {
  const plan = run.spec?.sprints.find((p) => p.number === s.number);
  return h("div", { class: `sprint ${s.number === run.currentSprint ? "sprint-current" : ""}`, "data-sprint": s.number },
    h("div", { class: "sprint-head" },
      h("h3", {}, `Sprint ${s.number}`, plan ? h("span", { class: "muted" }, ` · ${plan.goal}`) : null), pill(s.status)),
    s.contract ? h("details", { class: "contract" },
      h("summary", {}, `Contract: ${s.contract.summary} · ${plural(s.contract.checks.length, "check")} · ${plural(s.reviews.length, "review round")}`),
      h("ul", { class: "checks" }, s.contract.checks.map((c) => h("li", {}, h("span", { class: "tag" }, c.kind), " ", h("span", { class: "mono" }, c.id), ` — ${c.description}`))),
      s.reviews.map((r) => h("p", { class: "small" }, `Round ${r.round}: `, r.review.approved ? h("strong", { class: "ok" }, "approved") : h("strong", { class: "bad" }, `${r.review.changeRequests.length} change requests`), r.review.comments ? ` — ${r.review.comments}` : ""))) : null,
    h("div", { class: "attempts" }, s.attempts.map((a) => attemptBlock(run, a))));
}

function attemptBlock(run, a) {
  const verdicts = Object.values(a.verdicts);
  return h("div", { class: `attempt attempt-${a.status}` },
    h("div", { class: "attempt-head" }, h("strong", {}, `Attempt ${a.attempt}`), pill(a.status),
      a.build ? h("a", { class: "small", href: `/runs/${run.id}/artifacts/${a.build.artifact.name}` }, `snapshot · ${plural(a.build.files.length, "file")}`) : null),
    verdicts.length === 0 ? h("p", { class: "muted small" }, a.build ? "Waiting for verdicts…" : "Building…") : verdicts.map((v) => verdictBlock(run, v)));
}

function verdictBlock(run, v) {
  return h("div", { class: "verdict" },
    h("div", { class: "verdict-head" }, h("span", { class: "mono" }, v.evaluator), h("span", { class: v.passed ? "ok" : "bad" }, v.passed ? "PASS" : "FAIL"), h("span", { class: "muted small" }, v.summary)),
    h("table", { class: "criteria" },
      h("tbody", {}, v.criteria.map((c) => criterionRow(run, c)))));
}

function criterionRow(run, c) {
  const bar = h("span", { class: `score-fill ${c.passed ? "ok-bg" : "bad-bg"}` });
  bar.style.setProperty("width", `${(c.score / 10) * 100}%`);
  const mark = h("span", { class: "threshold", title: `threshold ${c.threshold}` });
  mark.style.setProperty("left", `${(c.threshold / 10) * 100}%`);
  const shots = c.evidence.filter((e) => e.artifact && e.kind === "screenshot");
  return h("tr", { class: c.passed ? "crit-pass" : "crit-fail" },
    h("td", { class: "crit-mark" }, c.passed ? "✓" : "✗"),
    h("td", {}, h("div", {}, h("span", { class: "tag" }, c.kind), " ", c.description),
      c.passed ? null : h("div", { class: "small feedback" }, c.feedback),
      c.evidence.filter((e) => !e.artifact).slice(0, 2).map((e) => h("div", { class: "small muted evidence" }, e.summary)),
      shots.map((e) => h("a", { class: "shot", href: `/runs/${run.id}/artifacts/${e.artifact.name}`, target: "_blank" }, h("img", { src: `/runs/${run.id}/artifacts/${e.artifact.name}`, alt: e.summary, loading: "lazy" })))),
    h("td", { class: "crit-score" }, h("div", { class: "score-track" }, bar, mark), h("span", { class: "mono small" }, `${c.score}/${c.threshold}`)));
}

export function specView(run) {
  if (!run.spec) return null;
  const s = run.spec;
  return h("section", { class: "card" }, h("details", { class: "spec" },
    h("summary", {}, h("h2", { class: "inline" }, "Spec"), h("span", { class: "muted" }, ` v${run.specVersion} · ${s.features.length} features · ${s.sprints.length} sprints`)),
    h("p", {}, s.overview),
    h("ol", { class: "spec-features" }, s.features.map((f) => h("li", {}, h("strong", {}, `${f.id} ${f.title}`), h("p", { class: "small muted" }, f.userStory),
      h("ul", {}, f.acceptanceCriteria.map((a) => h("li", { class: "small" }, a))))))));
}
