// The run page: header and controls, budget meters, feature board, sprints with verdicts, and the
// spec with every version, what changed between versions, and the review box of the spec gate.
import { artifactImage, artifactLink } from "./artifacts.js";
import { contractChecks, reviewRounds } from "./contract-review.js";
import { clock, count, diffLines, duration, formError, h, keepingFocus, linesOf, meter, pill, plural, usd } from "./ui.js";

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
    // Approving a paused run would not start it: resume first.
    approve: run.status !== "paused" && (run.waitingFor === "spec_approval" || run.waitingFor === "contract_approval"),
    cancel: !TERMINAL.has(run.status),
  };
  const button = (action, label, kind) => h("button", {
    type: "button", class: `btn ${kind}`, "data-action": action, disabled: !can[action], onclick: () => actions.control(action),
  }, label);
  const head = h("section", { class: "run-head" },
    h("div", { class: "run-title" },
      h("a", { class: "back", href: "#/" }, "← Runs"),
      h("h1", {}, run.spec?.title ?? "Untitled run", " ", pill(run.status, "pill-lg")),
      h("p", { class: "prompt" }, run.prompt),
      h("p", { class: "run-meta" },
        h("span", { class: "mono" }, run.id), " · started ", clock(run.createdAt),
        run.status !== "paused" && !TERMINAL.has(run.status) ? [" · waiting for ", h("strong", {}, WAITING[run.waitingFor] ?? run.waitingFor)] : null),
      run.reason ? h("p", { class: `reason reason-${run.status}`, id: "run-reason" }, run.reason) : null,
      // An evaluator the run awaits has no live instance (the supervisor's registry): nothing moves until one starts.
      run.waitingOn ? h("p", { class: "reason reason-paused", id: "run-waiting-on" }, run.waitingOn) : null),
    // A finished run takes no more steering: no controls rather than four greyed-out ones.
    TERMINAL.has(run.status) ? null : h("div", { class: "controls" },
      button("pause", "Pause", "btn-warn"), button("resume", "Resume", "btn-primary"),
      button("approve", "Approve", "btn-ok"), button("cancel", "Cancel", "btn-danger")));
  if (run.status !== "paused" || !actions.budget) return head;
  return h("div", { class: "stack" }, head,
    h("section", { class: "card budget-row" }, h("span", { class: "muted" }, "Resume with new limits (a run paused on its budget needs more to go on):"), actions.budget.for(run)));
}

/**
 * New limits with the resume: a run paused on its budget only goes on with more. One form per
 * run page, moved into each re-rendered header, so what a person typed survives the re-renders.
 * The fields start at the run's limits; only the ones changed are sent.
 */
export function budgetForm(actions) {
  const field = (name, label) => h("label", { class: "budget-field" }, h("span", {}, label), h("input", { type: "number", name, min: "0", step: "any" }));
  const form = h("form", { class: "budget-form", id: "budget-form", onsubmit: (ev) => {
    ev.preventDefault();
    const budget = {};
    const changed = (name) => form[name].value !== "" && form[name].value !== form[name].dataset.initial;
    if (changed("maxCostUsd")) budget.maxCostUsd = Number(form.maxCostUsd.value);
    if (changed("maxTokens")) budget.maxTokens = Number(form.maxTokens.value);
    if (changed("minutes")) budget.maxWallClockMs = Math.round(Number(form.minutes.value) * 60_000);
    actions.control("resume", Object.keys(budget).length > 0 ? { budget } : undefined);
  } },
  field("maxCostUsd", "Cost limit ($)"), field("maxTokens", "Token limit"), field("minutes", "Time limit (min)"),
  h("button", { type: "submit", class: "btn btn-primary", "data-action": "resume-budget" }, "Resume with these limits"));
  let shown = "";
  return {
    /** The form for this state of the run, its fields reset only when the run's limits change. */
    for(run) {
      const b = run.options.budget;
      const key = JSON.stringify(b);
      if (key !== shown) {
        shown = key;
        const set = (name, v) => { form[name].value = String(v); form[name].dataset.initial = String(v); };
        set("maxCostUsd", b.maxCostUsd);
        set("maxTokens", b.maxTokens);
        set("minutes", Math.round(b.maxWallClockMs / 60_000));
      }
      return form;
    },
  };
}

export function budgetMeters(run) {
  const b = run.options.budget;
  const u = run.usage;
  const tokens = u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens + (u.unsettledTokens ?? 0);
  const end = TERMINAL.has(run.status) ? Date.parse(run.updatedAt) : Date.now();
  // As the budget counts it: time paused or waiting at a gate is left out.
  const waited = (run.waitedMs ?? 0) + (run.waitingSince ? Math.max(0, end - Date.parse(run.waitingSince)) : 0);
  return h("section", { class: "card meters" },
    meter("Cost", u.costUsd, b.maxCostUsd, usd),
    meter("Tokens", tokens, b.maxTokens, count),
    meter("Wall clock", end - Date.parse(run.createdAt) - waited, b.maxWallClockMs, duration),
    h("div", { class: "usage-facts" },
      fact("model calls", u.calls), fact("input", count(u.inputTokens)), fact("output", count(u.outputTokens)),
      fact("cache read", count(u.cacheReadInputTokens)), fact("cache write", count(u.cacheCreationInputTokens)),
      // Counted by every budget check; the cost above includes the calls charged at their reservation.
      fact("in flight, reserved", `${usd(u.reservedUsd ?? 0)} · ${u.reservedCalls ?? 0}`),
      fact("charged at reservation (never settled)", `${usd(u.unsettledUsd ?? 0)} · ${u.unsettledCalls ?? 0}`)));
}

function fact(label, value) {
  return h("div", { class: "fact" }, h("span", { class: "fact-value" }, value), h("span", { class: "fact-label" }, label));
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
      contractChecks(s.contract), reviewRounds(s.reviews)) : null,
    h("div", { class: "attempts" }, s.attempts.map((a) => attemptBlock(run, s.number, a))));
}

function attemptBlock(run, sprint, a) {
  const verdicts = Object.values(a.verdicts);
  return h("div", { class: `attempt attempt-${a.status}` },
    h("div", { class: "attempt-head" }, h("strong", {}, `Attempt ${a.attempt}`), pill(a.status),
      a.build ? artifactLink(`/runs/${run.id}/artifacts/${a.build.artifact.name}`, `${run.id}-sprint-${sprint}-attempt-${a.attempt}.tar.gz`, { class: "small" }, `snapshot · ${plural(a.build.files.length, "file")}`) : null),
    verdicts.length === 0 ? h("p", { class: "muted small" }, a.build ? "Waiting for verdicts…" : "Building…") : verdicts.map((v) => verdictBlock(run, v)));
}

export function verdictBlock(run, v) {
  return h("div", { class: "verdict" },
    h("div", { class: "verdict-head" }, h("span", { class: "mono" }, v.evaluator), h("span", { class: v.passed ? "ok" : "bad" }, v.passed ? "PASS" : "FAIL"), h("span", { class: "muted small" }, v.summary)),
    h("table", { class: "criteria" },
      h("tbody", {}, v.criteria.map((c) => criterionRow(run, c)))));
}

function quotes(feedback, summary) {
  const s = summary.trim();
  return s === feedback.trim() || (s.length >= 20 && feedback.includes(s));
}

/**
 * A result's description as it follows its kind's tag, without saying the kind twice: the
 * evaluator describes a regression as "regression (sprint 1's accepted check x): what x proves",
 * shown as "[regression] sprint 1's accepted check x: what x proves".
 */
function labelText(c) {
  if (!c.description.startsWith(`${c.kind} `)) return c.description;
  const rest = c.description.slice(c.kind.length + 1);
  const from = /^\(([^()]*)\): /.exec(rest);
  return from ? `${from[1]}: ${rest.slice(from[0].length)}` : rest;
}

function criterionRow(run, c) {
  const bar = h("span", { class: `score-fill ${c.passed ? "ok-bg" : "bad-bg"}` });
  bar.style.setProperty("width", `${(c.score / 10) * 100}%`);
  const mark = h("span", { class: "threshold", title: `threshold ${c.threshold}` });
  mark.style.setProperty("left", `${(c.threshold / 10) * 100}%`);
  const shots = c.evidence.filter((e) => e.artifact && e.kind === "screenshot");
  return h("tr", { class: c.passed ? "crit-pass" : "crit-fail" },
    h("td", { class: "crit-mark" }, c.passed ? "✓" : "✗"),
    h("td", {}, h("div", { class: "crit-label" }, h("span", { class: "tag" }, c.kind), " ", labelText(c)),
      c.passed ? null : h("div", { class: "small feedback" }, c.feedback),
      // A failed check's feedback often quotes its evidence's summary (a short one, like "exit 1",
      // may appear in it by chance): shown once.
      c.evidence.filter((e) => !e.artifact && (c.passed || !quotes(c.feedback, e.summary))).slice(0, 2).map((e) => h("div", { class: "small muted evidence" }, e.summary)),
      shots.map((e) => artifactImage(`/runs/${run.id}/artifacts/${e.artifact.name}`, e.summary))),
    h("td", { class: "crit-score" }, h("div", { class: "score-track" }, bar, mark), h("span", { class: "mono small", title: `score ${c.score} of 10, passes at ${c.threshold}` }, `${c.score} · min ${c.threshold}`)));
}

// ---- The spec: its versions, the changes between them, and the review box of the spec gate.

/** Every version of the spec, oldest first: from the run's spec.produced events, or its current spec. */
export function specVersions(run, produced) {
  const list = [...produced.values()].sort((a, b) => a.version - b.version);
  if (list.length === 0 && run.spec) return [{ version: run.specVersion, spec: run.spec, time: null, comments: null }];
  return list;
}

/**
 * The spec card. It keeps its own state (the chosen version and view, the comments being written)
 * and redraws only when what it shows changes, so live updates never interrupt someone typing.
 * `actions.revise(comments)` resolves to null or the error; `actions.approve()` approves.
 * `update(run, versions, pending)` takes the run, its versions and comments not yet answered.
 */
export function specPanel(actions) {
  const ui = { chosen: null, view: null, open: null, busy: false, error: null, sent: null, key: "" };
  let run = null;
  let versions = [];
  let pending = null;
  const el = h("section", { class: "card spec-card", id: "spec", hidden: true });
  const comments = h("textarea", {
    id: "spec-comments", rows: 3, maxlength: 10_000, "aria-label": "Comments for the planner",
    placeholder: "What should the planner change? For example: “Give multiplication its own feature and sprint.”",
    onkeydown: (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); send(); } },
  });

  async function send() {
    if (ui.busy) return;
    ui.busy = true;
    ui.error = null;
    draw();
    const text = comments.value;
    const err = await actions.revise(text);
    ui.busy = false;
    if (err) ui.error = err;
    else { ui.sent = { text: text.trim(), after: versions.at(-1)?.version ?? 0 }; comments.value = ""; }
    draw();
  }

  /** Redraws in place; the comments box is the same element throughout, focus and caret kept. */
  function draw() {
    keepingFocus(comments, () => {
      el.hidden = versions.length === 0;
      if (!el.hidden) el.replaceChildren(...content());
      else el.replaceChildren();
    });
  }

  function content() {
    const latest = versions.at(-1);
    if (ui.sent && (latest.version > ui.sent.after || !["spec", "spec_approval"].includes(run.waitingFor))) ui.sent = null;
    const shown = versions.find((v) => v.version === ui.chosen) ?? latest;
    const prev = versions[versions.indexOf(shown) - 1];
    const view = prev ? ui.view ?? "changes" : "full";
    const reviewing = run.waitingFor === "spec_approval" || run.waitingFor === "spec";
    const details = h("details", { class: "spec", open: ui.open ?? reviewing },
      h("summary", { onclick: () => { ui.open = !details.open; } }, h("h2", { class: "inline" }, "Spec"),
        h("span", { class: "muted" }, ` v${latest.version}${versions.length > 1 ? ` (${plural(versions.length, "version")})` : ""} · ${plural(latest.spec.features.length, "feature")} · ${plural(latest.spec.sprints.length, "sprint")}`)),
      reviewBox(latest),
      h("div", { class: "spec-bar" },
        h("div", { class: "spec-versions", role: "group", "aria-label": "Spec versions" }, versions.map((v) => h("button", {
          type: "button", class: `spec-version ${v === shown ? "spec-version-on" : ""}`, "data-version": v.version, "aria-pressed": v === shown ? "true" : "false",
          title: v.spec.title, onclick: () => { ui.chosen = v === latest ? null : v.version; draw(); },
        }, h("strong", {}, `v${v.version}`), v.time ? h("span", { class: "small" }, clock(v.time)) : null,
        v.version === run.specVersion && versions.length > 1 ? h("span", { class: "tag" }, "current") : null))),
        prev ? h("div", { class: "seg", role: "group", "aria-label": "Show" },
          h("button", { type: "button", class: `seg-btn ${view === "changes" ? "seg-on" : ""}`, "data-view": "changes", onclick: () => { ui.view = "changes"; draw(); } }, `Changes from v${prev.version}`),
          h("button", { type: "button", class: `seg-btn ${view === "full" ? "seg-on" : ""}`, "data-view": "full", onclick: () => { ui.view = "full"; draw(); } }, `Full v${shown.version}`)) : null),
      shown.comments ? h("p", { class: "spec-asked" }, h("span", { class: "muted" }, `v${shown.version} answers the comments `), h("q", {}, shown.comments)) : null,
      view === "changes" ? specDiff(prev, shown) : specFull(shown.spec));
    return [details];
  }

  function reviewBox(latest) {
    if (TERMINAL.has(run.status)) return null;
    // Comments sent (from here, or seen in the events) and no new version yet: the planner is at it.
    const asked = ui.sent?.text ?? pending;
    if (asked && (ui.sent || run.waitingFor === "spec")) {
      return h("div", { class: "review review-wait", id: "spec-review" },
        h("p", {}, h("strong", {}, `The planner is revising v${latest.version}`), " with your comments; the new version appears here when it is ready."),
        h("p", { class: "small muted" }, h("q", {}, asked)));
    }
    if (run.waitingFor !== "spec_approval") return null;
    const error = ui.error ? formError(ui.error, "spec-review-error") : null;
    return h("div", { class: "review", id: "spec-review" },
      h("p", {}, h("strong", {}, `Spec v${latest.version} waits for your approval.`), " Approve it to start building, or tell the planner what to change."),
      comments, error,
      h("div", { class: "review-actions" },
        h("span", { class: "small muted" }, "Ctrl+Enter sends"),
        h("button", { type: "button", class: "btn", "data-action": "revise", disabled: ui.busy, onclick: send }, ui.busy ? "Sending…" : "Request changes"),
        h("button", { type: "button", class: "btn btn-ok", "data-action": "approve-spec", disabled: ui.busy, onclick: () => actions.approve() }, `Approve v${latest.version}`)));
  }

  return {
    el,
    /** New run state or versions: redrawn only if something the card shows changed. */
    update(nextRun, nextVersions, pendingComments) {
      run = nextRun;
      versions = nextVersions;
      pending = pendingComments ?? null;
      const key = JSON.stringify([run.status, run.waitingFor, run.specVersion, pending, versions.map((v) => [v.version, v.time])]);
      if (key !== ui.key) { ui.key = key; draw(); }
    },
    /** Puts the card before `before` (or last) in `parent`, keeping the comments box focused. */
    mount(parent, before) {
      if (el.parentNode === parent && el.nextElementSibling === before) return;
      keepingFocus(comments, () => parent.insertBefore(el, before));
    },
  };
}

/** A whole version of the spec. */
function specFull(s) {
  return h("div", { class: "spec-full" },
    h("h3", { class: "spec-title" }, s.title),
    h("p", { class: "prose" }, s.overview),
    s.targetUsers?.length ? h("p", { class: "small" }, h("span", { class: "label" }, "For "), s.targetUsers.join(" · ")) : null,
    s.designLanguage ? [h("h4", {}, "Design language"), h("p", { class: "prose small" }, s.designLanguage)] : null,
    s.dataModel ? [h("h4", {}, "Data model"), h("p", { class: "prose small" }, s.dataModel)] : null,
    h("h4", {}, "Features"),
    h("ol", { class: "spec-features" }, s.features.map((f) => h("li", { "data-feature": f.id }, h("strong", {}, `${f.id} ${f.title}`), h("p", { class: "small muted" }, f.userStory),
      h("ul", {}, f.acceptanceCriteria.map((a) => h("li", { class: "small", "data-criterion": criterionId(a) }, criterionText(a))))))),
    h("h4", {}, "Sprint plan"),
    h("ol", { class: "spec-plan" }, s.sprints.map((p) => h("li", { class: "small" }, h("strong", {}, `Sprint ${p.number}`), ` — ${p.goal} `, h("span", { class: "mono muted" }, p.featureIds.join(", "))))));
}

const sprintLine = (p) => `Sprint ${p.number}: ${p.goal} [${p.featureIds.join(", ")}]`;

/** What changed from spec `a` to spec `b`: a summary, then each part that changed. */
export function specDiff(before, after) {
  const a = before.spec;
  const b = after.spec;
  const summary = [];
  const parts = [];
  const text = (label, x, y, key) => {
    if ((x ?? "") === (y ?? "")) return;
    summary.push(["chg", `${label.toLowerCase()} changed`]);
    parts.push(h("div", { class: "diff-part", "data-part": key }, h("h4", {}, label), diffRows(diffLines(linesOf(x), linesOf(y)))));
  };
  text("Title", a.title, b.title, "title");
  text("Overview", a.overview, b.overview, "overview");
  const users = diffLines(a.targetUsers ?? [], b.targetUsers ?? []);
  if (users.some((o) => o.op !== "same")) { summary.push(["chg", "target users changed"]); parts.push(h("div", { class: "diff-part", "data-part": "users" }, h("h4", {}, "Target users"), diffRows(users))); }
  text("Design language", a.designLanguage, b.designLanguage, "design");
  text("Data model", a.dataModel, b.dataModel, "data-model");

  // Features by id, in the order of both versions merged.
  const was = new Map(a.features.map((f) => [f.id, f]));
  const now = new Map(b.features.map((f) => [f.id, f]));
  const seen = new Set();
  const cards = [];
  const same = [];
  const tally = { added: 0, removed: 0, changed: 0 };
  for (const { text: id } of diffLines(a.features.map((f) => f.id), b.features.map((f) => f.id))) {
    if (seen.has(id)) continue;
    seen.add(id);
    const [x, y] = [was.get(id), now.get(id)];
    if (x && y && JSON.stringify(x) === JSON.stringify(y)) { same.push(y); continue; }
    const change = !x ? "added" : !y ? "removed" : "changed";
    tally[change]++;
    cards.push(featureChange(change, x, y));
  }
  if (tally.added) summary.push(["add", `+${plural(tally.added, "feature")}`]);
  if (tally.removed) summary.push(["del", `−${plural(tally.removed, "feature")}`]);
  if (tally.changed) summary.push(["chg", `${plural(tally.changed, "feature")} changed`]);
  if (cards.length) {
    parts.push(h("div", { class: "diff-part", "data-part": "features" }, h("h4", {}, "Features"), cards,
      same.length ? h("p", { class: "small muted" }, `Unchanged: ${same.map((f) => `${f.id} ${f.title}`).join(" · ")}`) : null));
  }
  const plan = diffLines(a.sprints.map(sprintLine), b.sprints.map(sprintLine));
  if (plan.some((o) => o.op !== "same")) {
    summary.push(["chg", "sprint plan changed"]);
    parts.push(h("div", { class: "diff-part", "data-part": "sprints" }, h("h4", {}, "Sprint plan"), diffRows(plan, Infinity)));
  }
  return h("div", { class: "spec-diff", "data-from": before.version, "data-to": after.version },
    h("div", { class: "diff-summary" }, h("strong", {}, `v${before.version} → v${after.version}`),
      summary.length === 0 ? h("span", { class: "muted" }, "no changes") : summary.map(([kind, t]) => h("span", { class: `chip-diff chip-${kind}` }, t))),
    parts);
}

/** Criteria are `{ id, text }`; a spec stored before criterion ids holds plain strings. */
function criterionText(a) { return typeof a === "string" ? a : `${a.id} ${a.text}`; }
function criterionId(a) { return typeof a === "string" ? "" : a.id; }

function featureChange(change, x, y) {
  const f = y ?? x;
  const rows = [];
  if (change === "changed") {
    if (x.title !== y.title) rows.push(h("div", { class: "dfield" }, h("span", { class: "label" }, "Title"), diffRows(diffLines([x.title], [y.title]))));
    if (x.userStory !== y.userStory) rows.push(h("div", { class: "dfield" }, h("span", { class: "label" }, "Story"), diffRows(diffLines(linesOf(x.userStory), linesOf(y.userStory)))));
    const crit = diffLines(x.acceptanceCriteria.map(criterionText), y.acceptanceCriteria.map(criterionText));
    if (crit.some((o) => o.op !== "same")) rows.push(h("div", { class: "dfield" }, h("span", { class: "label" }, "Acceptance criteria"), diffRows(crit, Infinity)));
  } else {
    const op = change === "added" ? "add" : "del";
    rows.push(h("p", { class: `small dstory dstory-${op}` }, f.userStory));
    rows.push(h("div", { class: "dfield" }, h("span", { class: "label" }, "Acceptance criteria"), diffRows(f.acceptanceCriteria.map((a) => ({ op, text: criterionText(a) })))));
  }
  return h("article", { class: `dfeat dfeat-${change}`, "data-feature": f.id, "data-change": change },
    h("div", { class: "dfeat-head" }, h("span", { class: `badge badge-${change}` }, change), h("span", { class: "mono muted" }, f.id), h("strong", {}, f.title)),
    rows);
}

/**
 * Diff rows: "+"/"−" lines, unchanged lines as context (`context` either side of a change, the
 * rest folded), and a deleted line replaced by an added one marked word by word.
 */
function diffRows(ops, context = 2) {
  const rows = [];
  const row = (op, parts) => h("div", { class: `dl dl-${op}` }, h("span", { class: "dl-sign", "aria-hidden": "true" }, op === "add" ? "+" : op === "del" ? "−" : ""), h("span", { class: "dl-text" }, parts));
  for (let i = 0; i < ops.length;) {
    if (ops[i].op === "same") {
      let j = i;
      while (j < ops.length && ops[j].op === "same") j++;
      const run = ops.slice(i, j);
      const keepHead = i === 0 ? 0 : context;
      const keepTail = j === ops.length ? 0 : context;
      if (run.length > keepHead + keepTail + 1) {
        for (const o of run.slice(0, keepHead)) rows.push(row("same", o.text));
        rows.push(h("div", { class: "dl dl-fold" }, h("span", { class: "dl-sign" }), h("span", { class: "dl-text" }, `⋯ ${plural(run.length - keepHead - keepTail, "unchanged line")}`)));
        for (const o of run.slice(run.length - keepTail)) rows.push(row("same", o.text));
      } else for (const o of run) rows.push(row("same", o.text));
      i = j;
      continue;
    }
    let j = i;
    while (j < ops.length && ops[j].op === "del") j++;
    let k = j;
    while (k < ops.length && ops[k].op === "add") k++;
    const dels = ops.slice(i, j);
    const adds = ops.slice(j, k);
    if (dels.length === adds.length) {
      const marked = dels.map((d, n) => words(d.text, adds[n].text));
      marked.forEach((m) => rows.push(row("del", m.del)));
      marked.forEach((m) => rows.push(row("add", m.add)));
    } else {
      for (const o of dels) rows.push(row("del", o.text));
      for (const o of adds) rows.push(row("add", o.text));
    }
    i = k;
  }
  return h("div", { class: "diff" }, rows);
}

/** A replaced line marked word by word, unless the two have too little in common to be worth it. */
function words(x, y) {
  const ops = diffLines(x.split(/(\s+)/), y.split(/(\s+)/));
  const kept = ops.filter((o) => o.op === "same" && o.text.trim()).length;
  const total = Math.max(x.split(/\s+/).length, y.split(/\s+/).length);
  if (kept / total < 0.4) return { del: x, add: y };
  // One side's words, each changed stretch as one mark (the spaces inside it included).
  const side = (op, tag) => {
    const runs = [];
    for (const o of ops) {
      if (o.op !== "same" && o.op !== op) continue;
      const last = runs.at(-1);
      if (last && last.changed === (o.op === op)) last.text += o.text;
      else runs.push({ changed: o.op === op, text: o.text });
    }
    return runs.map((r) => (r.changed ? h(tag, {}, r.text) : r.text));
  };
  return { del: side("del", "del"), add: side("add", "ins") };
}
