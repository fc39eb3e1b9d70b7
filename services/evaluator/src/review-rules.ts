import type { Check, Feature, SprintContract } from "@harness/contracts";
import { PATTERN_LIMIT_MS } from "./checks/patterns.js";
import { unsafePattern } from "./checks/regex-safety.js";
import { PatternOverrunError } from "./checks/sync-patterns.js";
import { compilePattern } from "./checks/text-assert.js";
import { browserProblems } from "./review/browser-rules.js";
import { analyseCommand, commandProblems } from "./review/command-rules.js";
import { dataProblems, httpProblems } from "./review/http-rules.js";

/**
 * Why one check could pass for a broken product, each reason naming the check and what to
 * change. Rubric criteria are graded by a judge, not by code: they never count as behaviour.
 */
export function checkProblems(check: Check): string[] {
  const invalid = patterns(check).map(compilePattern).filter((r): r is string => typeof r === "string");
  if (invalid.length > 0) return invalid.map((why) => `check ${check.id}: ${why}; write a JavaScript regular expression (no flags, no (?i))`);
  // Refused before the rules try them on sample outputs: such a pattern could hang the review.
  const unsafe = patterns(check).flatMap((p) => { const why = unsafePattern(p); return why ? [`check ${check.id}: the pattern /${p}/ is unsafe: ${why}; rewrite it without a repetition inside a repetition (the evaluator stops a pattern after ${PATTERN_LIMIT_MS / 1_000} s and fails its check)`] : []; });
  if (unsafe.length > 0) return unsafe;
  try {
    return shapeProblems(check);
  } catch (err) {
    // The static check above misses some (overlapping alternatives: `(=|=)*!`); the rules' trials run in a bounded worker.
    if (!(err instanceof PatternOverrunError)) throw err;
    return [`check ${check.id}: ${err.message} when the review tried it on a sample output; rewrite it (the evaluator would stop it after ${PATTERN_LIMIT_MS / 1_000} s and fail the check on every product)`];
  }
}

function shapeProblems(check: Check): string[] {
  switch (check.kind) {
    case "command": return commandProblems(check);
    case "http": return httpProblems(check);
    case "browser": return browserProblems(check);
    case "data": return dataProblems(check);
    case "rubric": return check.threshold < 5 ? [`rubric criterion ${check.id} ("${check.criterion}") has threshold ${check.threshold}/10; a threshold under 5 passes poor work`] : [];
  }
}

/** Every regular expression a check asks the runners to compile. */
function patterns(c: Check): string[] {
  const text = (xs: ReadonlyArray<{ matches?: string | undefined; notMatches?: string | undefined }>) => xs.flatMap((a) => [a.matches, a.notMatches]);
  const json = (xs: ReadonlyArray<{ matches?: string | undefined }>) => xs.map((a) => a.matches);
  const all: Array<string | undefined> = [];
  if (c.kind === "command") all.push(...text(c.expectOutput));
  if (c.kind === "http") for (const s of [c, ...c.then]) all.push(...text(s.expectBody), ...json(s.json));
  if (c.kind === "data") all.push(...json(c.json));
  if (c.kind === "browser") for (const s of c.steps) if (s.action === "expectTextMatches") all.push(s.pattern);
  return all.filter((p): p is string => p !== undefined);
}

/** What two checks share when one repeats the other under a new id. */
function signature(c: Check): string | undefined {
  const bare = (steps: readonly unknown[]) => JSON.stringify(steps);
  switch (c.kind) {
    // Spelling that does not change what runs: quotes around words, `./` before a file, a trailing slash.
    case "command": return `command ${c.command.replace(/['"]/g, "").replace(/(^|\s)\.\//g, "$1").replace(/\s+/g, " ").trim()}`;
    case "http": return `http ${bare([c, ...c.then].map((s) => [s.method, s.path.length > 1 ? s.path.replace(/\/+(?=$|\?)/, "") : s.path, s.body ?? null, s.headers]))}`;
    case "browser": return `browser ${bare(c.steps.filter((s) => s.action !== "screenshot" && s.action !== "expectNoConsoleErrors" && s.action !== "wait"))}`;
    case "data": return `data ${bare([c.file, c.query ?? null, c.json])}`;
    case "rubric": return undefined;
  }
}

/** The check does something to the product that a later data check can look for. */
function acts(c: Check): boolean {
  switch (c.kind) {
    case "http": return [c, ...c.then].some((s) => s.method !== "GET" && s.method !== "HEAD" && s.method !== "OPTIONS");
    case "browser": return c.steps.some((s) => ["click", "fill", "press", "select"].includes(s.action));
    case "command": try { return analyseCommand(c.command).programs.some((p) => p.role === "product" || p.role === "tests"); } catch { return false; }
    default: return false;
  }
}

/**
 * A check proves one feature's behaviour: its deliverables must share a feature, and the
 * criteria it names must belong to a feature its deliverables deliver.
 */
function featureMismatch(c: Check, contract: SprintContract, featuresNamed: readonly string[]): string[] {
  const delivered = c.deliverableIds.map((d) => contract.deliverables.find((x) => x.id === d)?.featureIds ?? []).filter((f) => f.length > 0);
  if (delivered.length === 0) return [];
  const shared = delivered.reduce((acc, f) => acc.filter((x) => f.includes(x)));
  if (shared.length === 0) return [`check ${c.id} is claimed as the proof of deliverables of different features (${c.deliverableIds.join(", ")}); give each feature its own check`];
  const foreign = featuresNamed.filter((f) => !delivered.some((d) => d.includes(f)));
  if (foreign.length > 0) return [`check ${c.id} names criteria of ${foreign.join(", ")}, which none of its deliverables (${c.deliverableIds.join(", ")}) delivers; name the deliverable of that feature or the criteria this check proves`];
  return [];
}

function checkShapeProblems(contract: SprintContract, features: readonly Feature[]): { problems: string[]; behavioural: Set<Check> } {
  const problems: string[] = [];
  const behavioural = new Set<Check>();
  const ids = new Set<string>();
  const signatures = new Map<string, string>();
  const criterionFeature = new Map(features.flatMap((f) => f.acceptanceCriteria.map((a) => [a.id, f.id] as const)));
  for (const [i, c] of contract.checks.entries()) {
    const own: string[] = [];
    if (ids.has(c.id)) own.push(`check id ${c.id} is used twice`);
    ids.add(c.id);
    if (c.deliverableIds.length === 0) own.push(`check ${c.id} names no deliverable; set its deliverableIds to the deliverable(s) it proves`);
    for (const d of c.deliverableIds) if (!contract.deliverables.some((x) => x.id === d)) own.push(`check ${c.id} names ${d}, which is not a deliverable`);
    for (const a of c.criterionIds ?? []) if (!criterionFeature.has(a)) own.push(`check ${c.id} names criterion ${a}, which is not an acceptance criterion of this sprint's features (${[...criterionFeature.keys()].join(", ") || "none"})`);
    const featuresNamed = [...new Set((c.criterionIds ?? []).map((a) => criterionFeature.get(a)).filter((f): f is string => f !== undefined))];
    if (featuresNamed.length > 1) own.push(`check ${c.id} is claimed as the proof of several features (${featuresNamed.join(", ")}); give each feature's criteria their own check`);
    own.push(...featureMismatch(c, contract, featuresNamed));
    const sig = signature(c);
    const twin = sig === undefined ? undefined : signatures.get(sig);
    if (twin !== undefined) own.push(`check ${c.id} repeats check ${twin} (the same ${c.kind === "command" ? "command" : c.kind === "http" ? "requests" : c.kind === "browser" ? "steps" : "query"}); a repeat proves nothing new: merge them, or make ${c.id} exercise something else`);
    else if (sig !== undefined) signatures.set(sig, c.id);
    if (c.kind === "data" && !contract.checks.slice(0, i).some(acts)) own.push(`check ${c.id} reads ${c.file} before any check acted on the product (in contract order), so it reads what was shipped, not what the product stored; put it after the http, browser or command check whose effect it verifies`);
    own.push(...checkProblems(c));
    problems.push(...own);
    if (own.length === 0 && c.kind !== "rubric") behavioural.add(c);
  }
  return { problems, behavioural };
}

/**
 * The review rules enforced by code, whatever the model thinks: every check can fail for a
 * broken product (see docs/architecture.md, "Review rules"), every acceptance criterion of the
 * sprint's features is named by a behavioural check, every deliverable is proven and every
 * feature delivered, apps driven over HTTP or in a browser say how to start them.
 */
export function contractProblems(contract: SprintContract, features: readonly Feature[]): string[] {
  const { problems, behavioural } = checkShapeProblems(contract, features);
  const proven = new Set<string>();
  for (const d of contract.deliverables) {
    const proving = contract.checks.filter((c) => c.deliverableIds.includes(d.id));
    if (proving.length === 0) problems.push(`deliverable ${d.id} has no check that proves it`);
    else if (!proving.some((c) => behavioural.has(c))) problems.push(`deliverable ${d.id} is proven by no behavioural check the rules accept (${proving.map((c) => c.id).join(", ")}); fix those checks or add one that exercises its behaviour`);
    else proven.add(d.id);
  }
  problems.push(...uncoveredFeatures(contract, features, proven));
  problems.push(...uncoveredCriteria(contract, features, behavioural));
  const needsApp = contract.checks.some((c) => c.kind === "http" || c.kind === "browser");
  if (needsApp && !contract.app) problems.push("http and browser checks need an `app` section with the start command, port and readiness path");
  return problems;
}

/**
 * Under-scoping: a feature of the sprint that no behaviourally proven deliverable names would be
 * neither built nor checked, and the sprint would still pass. Names the feature.
 */
function uncoveredFeatures(contract: SprintContract, features: readonly Feature[], proven: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const f of features) {
    const naming = contract.deliverables.filter((d) => d.featureIds.includes(f.id)).map((d) => d.id);
    const what = `feature ${f.id} ("${f.title}"), planned for sprint ${contract.sprint},`;
    if (naming.length === 0) problems.push(`${what} is covered by no deliverable; add a deliverable with "featureIds": ["${f.id}"] and a check that exercises its acceptance criteria`);
    else if (!naming.some((d) => proven.has(d))) problems.push(`${what} is named only by ${naming.join(", ")}, which no behavioural check proves; add a check that exercises its acceptance criteria`);
  }
  return problems;
}

/** Coverage is counted per acceptance criterion: each needs a behavioural check naming it. */
function uncoveredCriteria(contract: SprintContract, features: readonly Feature[], behavioural: ReadonlySet<Check>): string[] {
  const problems: string[] = [];
  for (const f of features) {
    for (const a of f.acceptanceCriteria) {
      const naming = contract.checks.filter((c) => c.criterionIds?.includes(a.id));
      if (naming.some((c) => behavioural.has(c))) continue;
      const text = a.text.length > 120 ? `${a.text.slice(0, 117)}...` : a.text;
      problems.push(naming.length === 0
        ? `acceptance criterion ${a.id} ("${text}") is named by no check; add a behavioural check that exercises it, with "criterionIds": ["${a.id}"]`
        : `acceptance criterion ${a.id} ("${text}") is named only by ${naming.map((c) => c.id).join(", ")}, which the rules do not accept as behavioural; fix them or add a check that exercises it`);
    }
  }
  return problems;
}
