import type { BrowserCheck, Check, CommandCheck, Feature, HttpCheck, SprintContract } from "@harness/contracts";

const PRESENCE_COMMAND = /^\s*(test\s+-[efdsx]|\[\s+-[efdsx]|ls\b|stat\b|cat\b|file\b|wc\b|true\b|echo\b|exit\s+0\b)/;
const INTERACTIONS = new Set(["click", "fill", "press", "select", "reload"]);
const BEHAVIOUR_ASSERTIONS = new Set(["expectText", "expectCount", "expectUrl"]);

/** Presence-only checks prove nothing about behaviour (a stub passes them). */
export function isPresenceOnly(check: Check): boolean {
  switch (check.kind) {
    case "command": return isPresenceCommand(check);
    case "browser": return isPresenceBrowser(check);
    case "http": return isPresenceHttp(check);
    case "data": return false;
    case "rubric": return true;
  }
}

function isPresenceCommand(c: CommandCheck): boolean {
  return PRESENCE_COMMAND.test(c.command) && c.expectOutput.length === 0;
}

/**
 * A status alone is what a stub answers too: `GET / -> 200`, `POST /x -> 201`, and `-> 404` or
 * `405` from a server with no routes at all. Only a refusal the app decides (`POST {} -> 400`,
 * `-> 401`, `409`, `422`) exercises behaviour through its status; anything else needs an
 * assertion on the body or JSON.
 */
function isPresenceHttp(c: HttpCheck): boolean {
  if (c.expectBodyContains.length > 0 || Object.keys(c.expectJson).length > 0) return false;
  const decidedRefusal = c.expectStatus >= 400 && c.expectStatus < 500 && c.expectStatus !== 404 && c.expectStatus !== 405;
  return !decidedRefusal;
}

function isPresenceBrowser(c: BrowserCheck): boolean {
  const interacts = c.steps.some((s) => INTERACTIONS.has(s.action));
  const assertsContent = c.steps.some((s) => BEHAVIOUR_ASSERTIONS.has(s.action));
  return !interacts && !assertsContent;
}

/**
 * The review rules enforced by code, whatever the model thinks: every feature planned for the
 * sprint is delivered, every deliverable has a behavioural check, apps that are driven over HTTP
 * or in a browser say how to start them, rubric criteria carry meaningful thresholds, check ids
 * are unique. `features` are the sprint's features from the spec excerpt.
 */
export function contractProblems(contract: SprintContract, features: readonly Feature[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const c of contract.checks) {
    if (ids.has(c.id)) problems.push(`check id ${c.id} is used twice`);
    ids.add(c.id);
    for (const d of c.deliverableIds) {
      if (!contract.deliverables.some((x) => x.id === d)) problems.push(`check ${c.id} names ${d}, which is not a deliverable`);
    }
    if (c.kind === "rubric" && c.threshold < 5) problems.push(`rubric criterion ${c.id} ("${c.criterion}") has threshold ${c.threshold}/10; a threshold under 5 passes poor work`);
  }
  const proven = new Set<string>();
  for (const d of contract.deliverables) {
    const proving = contract.checks.filter((c) => c.deliverableIds.includes(d.id));
    if (proving.length === 0) problems.push(`deliverable ${d.id} has no check that proves it`);
    else if (proving.every(isPresenceOnly)) problems.push(`deliverable ${d.id} is proven only by presence checks (${proving.map((c) => c.id).join(", ")}); add a check that exercises its behaviour (a command that asserts its output, an http request that asserts the body or JSON, a browser check that interacts and asserts the effect)`);
    else proven.add(d.id);
  }
  problems.push(...uncoveredFeatures(contract, features, proven));
  const needsApp = contract.checks.some((c) => c.kind === "http" || c.kind === "browser");
  if (needsApp && !contract.app) problems.push("http and browser checks need an `app` section with the start command, port and readiness path");
  return problems;
}

/**
 * Under-scoping: a feature of the sprint that no behaviourally proven deliverable names would be
 * neither built nor checked, and the sprint would still pass. Names the feature, so the
 * generator knows exactly what to add.
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
