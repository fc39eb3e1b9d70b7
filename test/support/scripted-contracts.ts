import { Feature, ProductSpec, SprintContract } from "@harness/contracts";
import type { Script, ScriptRequest, StaticReply } from "@harness/scripted-model";
import { cheapContract, cheapSpec } from "../../bench/cheap-script.js";
import { demoScript } from "../../cli/src/demo/script.js";
import { securityScript, type SecurityCase } from "./chaos-security-script.js";
import { contractOf, corpusApps, specOf } from "./corpus.js";
import { tinyContract, tinySpec } from "./tiny-program.js";

/**
 * Every contract the repo's scripted models propose for review, with the sprint's features as
 * the review sees them: the review rules must approve each, and each check must fail against
 * stub products (test/review-rules-stubs.test.ts).
 */
export interface ScriptedContract { name: string; contract: SprintContract; features: Feature[] }

function featuresOf(spec: ProductSpec, sprint: number): Feature[] {
  const ids = spec.sprints.find((s) => s.number === sprint)?.featureIds ?? [];
  return ProductSpec.parse(spec).features.filter((f) => ids.includes(f.id));
}

/** Asks a script's rule for its reply to a request with this text, as the scripted model would. */
async function reply(script: Script, rule: string, text: string): Promise<StaticReply> {
  const rules = Array.isArray(script) ? script : script.rules;
  const r = rules.find((x) => x.name === rule);
  if (!r?.reply) throw new Error(`no rule ${rule}`);
  const req = { allText: text, lastUserText: text, turn: 0, body: { messages: [{ role: "user", content: text }] } } as unknown as ScriptRequest;
  return typeof r.reply === "function" ? await r.reply(req, {} as never) : r.reply;
}

const toolInput = (r: StaticReply): unknown => ("toolUse" in r ? r.toolUse?.[0]?.input : undefined);
const proposed = (r: StaticReply): SprintContract => SprintContract.parse(toolInput(r));

export async function scriptedContracts(): Promise<ScriptedContract[]> {
  const out: ScriptedContract[] = [];
  const demo = demoScript();
  const demoSpec = ProductSpec.parse(toolInput(await reply(demo, "planner", "")));
  for (const sprint of [1, 2]) {
    const text = `Propose the contract for sprint ${sprint}.\n## Your previous proposal (round 1)`;
    out.push({ name: `demo sprint ${sprint}`, contract: proposed(await reply(demo, "contract", `contract for sprint ${sprint} ${text}`)), features: featuresOf(demoSpec, sprint) });
  }
  for (const sprint of [1, 2]) out.push({ name: `tiny program sprint ${sprint}`, contract: SprintContract.parse(tinyContract(sprint)), features: featuresOf(tinySpec("Calc", 2), sprint) });
  const security = securityScript("/nonexistent");
  for (const kind of ["secrets", "procenv", "escape"] as SecurityCase[]) {
    out.push({ name: `security ${kind}`, contract: proposed(await reply(security, "contract", `[${kind}]`)), features: featuresOf(tinySpec("x", 1), 1) });
  }
  for (const sprint of [1, 3]) out.push({ name: `bench sprint ${sprint}`, contract: SprintContract.parse(cheapContract(sprint)), features: featuresOf(cheapSpec(3), sprint) });
  for (const app of corpusApps()) out.push({ name: `corpus ${app}`, contract: contractOf(app), features: specOf(app).features.map((f) => Feature.parse(f)) });
  return out;
}
