import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { apps, networkingK8sIo, policy, v1 } from "kubernetes-models";
import { kedaSh } from "@kubernetes-models/keda";
import { harnessUsers, passwordVar, renderNatsConfig, runCli } from "@harness/nats-config";
import { findNatsServer } from "@harness/testkit";

// Static checks of docker-compose.yml, the Dockerfiles and infra/ (no Docker engine or cluster
// here). Each checker returns problems as sentences, and each is shown to catch a removed field.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SERVICES = ["supervisor", "planner", "generator", "evaluator"] as const;
const WORKER_CONSUMERS: Record<string, string[]> = { planner: ["planner"], generator: ["generator"], evaluator: ["evaluator-core", "evaluator-review"] };
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const clone = <T>(v: T): T => structuredClone(v);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? v as Obj : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const at = (v: unknown, ...path: Array<string | number>): unknown => path.reduce<unknown>((o, k) => (typeof k === "number" ? list(o)[k] : obj(o)[k]), v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** A worker that runs untrusted code: its password a secret file, its commands in `<svc>-runner`, which holds nothing. */
function composeSandboxProblems(svc: string, services: Obj): string[] {
  const p: string[] = [];
  const s = services[svc];
  const runner = services[`${svc}-runner`];
  if (!list(at(s, "secrets")).some((x) => at(x, "source") === `nats-${svc}`) || !str(at(s, "environment", "NATS_PASSWORD_FILE"))) p.push(`${svc}: no NATS credentials of its own (secret nats-${svc})`);
  if (list(at(s, "env_file")).length > 0 || at(s, "environment", "NATS_PASSWORD") !== undefined) p.push(`${svc}: a secret in the service's environment`);
  if (at(s, "environment", "HARNESS_SANDBOX") !== "runner") p.push(`${svc}: commands not sent to the runner`);
  if (!runner) return [...p, `${svc}: no ${svc}-runner`];
  if (list(at(runner, "secrets")).length > 0 || list(at(runner, "env_file")).length > 0) p.push(`${svc}: the runner can read a secret`);
  if (!/^\d+/.test(str(at(runner, "user"))) || str(at(runner, "user")).startsWith("1000")) p.push(`${svc}: the runner runs as the service's uid`);
  const volumes = (x: unknown) => list(at(x, "volumes")).map((v) => str(v).split(":")[0]);
  const shared = volumes(s).filter((v) => volumes(runner).includes(v)).sort();
  if (shared.join(",") !== `${svc}-runner,${svc}-workspaces`) p.push(`${svc}: the runner shares more or less than the workspaces and its socket: ${shared.join(", ")}`);
  return p;
}

function composeProblems(doc: unknown): string[] {
  const p: string[] = [];
  const services = obj(at(doc, "services"));
  const nats = obj(services["nats"]);
  if (!str(nats["image"]).startsWith("nats:")) p.push("nats: not the official nats image");
  if (!list(nats["volumes"]).some((v) => str(v).endsWith(":/data"))) p.push("nats: JetStream store not on a volume");
  if (!list(nats["volumes"]).some((v) => str(v).startsWith("./infra/nats/nats.conf:"))) p.push("nats: infra/nats/nats.conf not mounted");
  if (!list(nats["env_file"]).includes("infra/secrets/nats.env")) p.push("nats: no user passwords (infra/secrets/nats.env)");
  if (list(at(nats, "healthcheck", "test")).length === 0) p.push("nats: no healthcheck");
  for (const svc of SERVICES) {
    const s = obj(services[svc]);
    const dockerfile = join(str(at(s, "build", "context")), str(at(s, "build", "dockerfile")));
    if (!str(at(s, "build", "dockerfile")) || !existsSync(join(ROOT, dockerfile))) p.push(`${svc}: no Dockerfile at ${dockerfile}`);
    if (!str(at(s, "environment", "NATS_URL")).startsWith("nats://nats:")) p.push(`${svc}: no NATS_URL`);
    if (SANDBOXED.includes(svc)) p.push(...composeSandboxProblems(svc, services));
    else if (!list(s["env_file"]).includes(`infra/secrets/${svc}.env`)) p.push(`${svc}: no NATS credentials of its own (infra/secrets/${svc}.env)`);
    if (list(at(s, "healthcheck", "test")).length === 0) p.push(`${svc}: no healthcheck`);
    if (at(s, "depends_on", "nats", "condition") !== "service_healthy") p.push(`${svc}: does not wait for a healthy nats`);
    if (svc === "supervisor") {
      if (!list(s["env_file"]).includes("infra/secrets/api.env")) p.push("supervisor: no API token");
      if (!list(s["ports"]).includes("8080:8080")) p.push("supervisor: API port not published");
    } else if (at(s, "environment", "HARNESS_PROVISION") !== "false") p.push(`${svc}: provisions with a user that may not`);
  }
  return p;
}

function dockerfileProblems(text: string, svc: string, pnpmVersion: string): string[] {
  const p: string[] = [];
  const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const args = new Map<string, string>();
  const stages = new Set<string>();
  let stage: string[] = [];
  for (const line of lines) {
    const m = /^ARG (\w+)=(\S+)/.exec(line);
    if (m?.[1] && m[2]) args.set(m[1], m[2]);
    if (/^FROM /.test(line)) {
      const image = line.split(/\s+/)[1]?.replace(/\$\{(\w+)\}/g, (_s, k: string) => args.get(k) ?? "") ?? "";
      // A stage may build on an earlier stage of the same file, which is itself checked.
      if (!image.startsWith("node:22") && !stages.has(image)) p.push(`stage FROM ${image} is not node:22`);
      const named = / AS (\S+)/i.exec(line)?.[1];
      if (named) stages.add(named);
      stage = [];
    }
    stage.push(line);
  }
  const user = stage.filter((l) => l.startsWith("USER ")).at(-1)?.split(/\s+/)[1];
  if (!user || user === "root" || user === "0") p.push("runs as root");
  if (!stage.some((l) => /^HEALTHCHECK .*\/(readyz|healthz)/.test(l))) p.push("no HEALTHCHECK on a health endpoint");
  if (!stage.some((l) => /^CMD .*dist\/main\.mjs/.test(l))) p.push("CMD does not start the bundle dist/main.mjs");
  if (!stage.some((l) => /^COPY --from=build .*\/dist /.test(l))) p.push("the runtime stage does not take the bundle from the build stage");
  if (!lines.some((l) => l.includes("pnpm install --frozen-lockfile") && l.includes(`@harness/${svc}...`))) p.push("no frozen, filtered pnpm install");
  if (args.get("PNPM_VERSION") !== pnpmVersion) p.push(`pnpm not pinned to ${pnpmVersion}`);
  if (svc === "evaluator" && !stage.some((l) => /apt-get install .*chromium/.test(l))) p.push("no chromium");
  return p;
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": v1.Namespace, "v1/ConfigMap": v1.ConfigMap, "v1/Secret": v1.Secret, "v1/Service": v1.Service,
  "apps/v1/Deployment": apps.v1.Deployment, "policy/v1/PodDisruptionBudget": policy.v1.PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": networkingK8sIo.v1.NetworkPolicy, "keda.sh/v1alpha1/ScaledObject": kedaSh.v1alpha1.ScaledObject,
};
const id = (d: unknown) => `${str(at(d, "kind"))}/${str(at(d, "metadata", "name"))}`;

function modelProblems(docs: unknown[]): string[] {
  return docs.flatMap((d) => {
    const Model = MODELS[`${str(at(d, "apiVersion"))}/${str(at(d, "kind"))}`];
    if (!Model) return [`${id(d)}: no schema to validate it against`];
    try { new Model(d as never).validate(); return []; } catch (err) { return [`${id(d)}: ${err instanceof Error ? err.message : String(err)}`]; }
  });
}

/** Workers that run untrusted code: credentials as files in the service container, commands in a runner sidecar. */
const SANDBOXED = ["generator", "evaluator"];

function sandboxProblems(svc: string, pod: unknown): string[] {
  const p: string[] = [];
  const containers = list(at(pod, "containers"));
  const service = containers[0];
  const runner = containers.find((c) => at(c, "name") === "runner");
  const secretVolumes = list(at(pod, "volumes")).filter((v) => at(v, "secret") !== undefined).map((v) => str(at(v, "name")));
  const mounts = (c: unknown) => list(at(c, "volumeMounts")).map((m) => str(at(m, "name")));
  const envSecrets = (c: unknown) => [...list(at(c, "envFrom")).filter((e) => at(e, "secretRef") !== undefined), ...list(at(c, "env")).filter((e) => at(e, "valueFrom", "secretKeyRef") !== undefined)];
  if (!list(at(pod, "volumes")).some((v) => at(v, "secret", "secretName") === `harness-nats-${svc}` && mounts(service).includes(str(at(v, "name"))))) p.push(`${svc}: not using its own NATS credentials`);
  if (envSecrets(service).length > 0) p.push(`${svc}: a secret in the service's environment`);
  if (!runner) return [...p, `${svc}: no runner container`];
  if (envSecrets(runner).length > 0 || mounts(runner).some((m) => secretVolumes.includes(m))) p.push(`${svc}: the runner can read a secret`);
  const uid = (c: unknown) => at(c, "securityContext", "runAsUser") ?? at(pod, "securityContext", "runAsUser");
  if (uid(runner) === undefined || uid(runner) === uid(service)) p.push(`${svc}: the runner runs as the service's uid`);
  if (at(pod, "shareProcessNamespace") === true) p.push(`${svc}: the runner sees the service's processes`);
  if (at(runner, "securityContext", "allowPrivilegeEscalation") !== false) p.push(`${svc}: runner: privilege escalation allowed`);
  const env = (c: unknown, name: string) => list(at(c, "env")).find((e) => at(e, "name") === name);
  if (at(env(service, "HARNESS_SANDBOX"), "value") !== "runner") p.push(`${svc}: commands not sent to the runner`);
  const shared = mounts(service).filter((m) => mounts(runner).includes(m));
  if (shared.sort().join(",") !== "runner-socket,workspaces") p.push(`${svc}: the runner shares more than the workspaces and its socket: ${shared.join(", ")}`);
  return p;
}

function manifestProblems(docs: unknown[]): string[] {
  const p: string[] = [];
  const of = (kind: string) => docs.filter((d) => at(d, "kind") === kind);
  for (const svc of SERVICES) {
    const dep = of("Deployment").find((d) => at(d, "metadata", "name") === svc);
    const c = at(dep, "spec", "template", "spec", "containers", 0);
    if (!dep || !c) { p.push(`${svc}: no Deployment`); continue; }
    if (!str(at(c, "image"))) p.push(`${svc}: container has no image`);
    if (at(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") !== true) p.push(`${svc}: pod may run as root`);
    if (at(c, "securityContext", "allowPrivilegeEscalation") !== false) p.push(`${svc}: privilege escalation allowed`);
    for (const k of ["requests", "limits"]) if (!at(c, "resources", k, "memory") || !at(c, "resources", k, "cpu")) p.push(`${svc}: no resource ${k}`);
    const ports = list(at(c, "ports")).map((x) => at(x, "name"));
    for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
      if (at(c, probe, "httpGet", "path") !== path || !ports.includes(at(c, probe, "httpGet", "port"))) p.push(`${svc}: no ${probe} on ${path}`);
    }
    const secrets = list(at(c, "envFrom")).map((e) => at(e, "secretRef", "name"));
    if (SANDBOXED.includes(svc)) p.push(...sandboxProblems(svc, at(dep, "spec", "template", "spec")));
    else if (!secrets.includes(`harness-nats-${svc}`)) p.push(`${svc}: not using its own NATS credentials`);
    if (!of("Secret").some((s) => at(s, "metadata", "name") === `harness-nats-${svc}`)) p.push(`${svc}: no Secret harness-nats-${svc}`);
    const consumers = WORKER_CONSUMERS[svc];
    if (!consumers) continue;
    const so = of("ScaledObject").find((d) => at(d, "spec", "scaleTargetRef", "name") === svc);
    const triggers = list(at(so, "spec", "triggers")).filter((t) => at(t, "type") === "nats-jetstream" && at(t, "metadata", "stream") === "HARNESS_WORK");
    const scaledOn = triggers.map((t) => at(t, "metadata", "consumer"));
    if (consumers.some((x) => !scaledOn.includes(x))) p.push(`${svc}: not scaled on consumer(s) ${consumers.join(", ")}`);
    if (triggers.some((t) => at(t, "metadata", "natsServerMonitoringEndpoint") !== "nats-headless.nats.svc.cluster.local:8222")) p.push(`${svc}: scaler not on the chart's headless monitor endpoint`);
  }
  if (!of("Service").some((s) => at(s, "metadata", "name") === "supervisor" && list(at(s, "spec", "ports")).some((x) => at(x, "targetPort") === "http"))) p.push("supervisor: no Service");
  if (!of("Secret").some((s) => at(s, "stringData", "HARNESS_API_TOKEN") !== undefined)) p.push("no API token Secret");
  return p;
}

const hasKubectl = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;
function kustomize(dir: string): unknown[] {
  const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as unknown);
}
/** Without kubectl: the base's resource files as written (kustomize only adds labels and the namespace here). */
function renderBase(): unknown[] {
  if (hasKubectl) return kustomize(join(ROOT, "infra/k8s/base"));
  const k = parse(read("infra/k8s/base/kustomization.yaml")) as unknown;
  return list(at(k, "resources")).flatMap((f) => parseAllDocuments(read(`infra/k8s/base/${str(f)}`)).map((d) => d.toJS() as unknown));
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as unknown;
const pnpmVersion = str(at(JSON.parse(read("package.json")), "packageManager")).split("@")[1] ?? "";
const base = renderBase();
const tmpDirs: string[] = [];
afterAll(() => { for (const d of tmpDirs) rmSync(d, { recursive: true, force: true }); });

describe("docker-compose.yml", () => {
  it("builds each service from its Dockerfile with NATS_URL, its own credentials, a healthcheck and a healthy NATS first", () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it.each([
    ["a service without a healthcheck", (d: Obj) => { delete obj(at(d, "services", "planner"))["healthcheck"]; }, "planner: no healthcheck"],
    ["a service without its own credentials", (d: Obj) => { delete obj(at(d, "services", "planner"))["env_file"]; }, "planner: no NATS credentials of its own (infra/secrets/planner.env)"],
    ["a generator without its password file", (d: Obj) => { delete obj(at(d, "services", "generator"))["secrets"]; }, "generator: no NATS credentials of its own (secret nats-generator)"],
    ["a runner given the evaluator's password", (d: Obj) => { obj(at(d, "services", "evaluator-runner"))["secrets"] = ["nats-evaluator"]; }, "evaluator: the runner can read a secret"],
    ["a worker that does not wait for a healthy NATS", (d: Obj) => { obj(at(d, "services", "evaluator"))["depends_on"] = ["supervisor"]; }, "evaluator: does not wait for a healthy nats"],
    ["a service without NATS_URL", (d: Obj) => { delete obj(at(d, "services", "supervisor", "environment"))["NATS_URL"]; }, "supervisor: no NATS_URL"],
    ["NATS without a volume for JetStream", (d: Obj) => { obj(at(d, "services", "nats"))["volumes"] = []; }, "nats: JetStream store not on a volume"],
  ])("reports %s", (_what, mutate, problem) => {
    const d = clone(compose) as Obj;
    mutate(d);
    expect(composeProblems(d)).toContain(problem);
  });

  it("reads only env and secret files the nats-config CLI writes, and every env file it writes but the sandboxed workers' (theirs are password files)", () => {
    const out = mkdtempSync(join(tmpdir(), "harness-creds-"));
    tmpDirs.push(out);
    const written = runCli(["--out", out]).written.map((f) => f.slice(out.length + 1));
    const envFiles = Object.values(obj(at(compose, "services"))).flatMap((s) => list(at(s, "env_file")).map((f) => str(f).replace("infra/secrets/", "")));
    const secretFiles = Object.values(obj(at(compose, "secrets"))).map((s) => str(at(s, "file")).replace("infra/secrets/", ""));
    expect([...new Set([...envFiles, ...secretFiles])].filter((f) => !written.includes(f))).toEqual([]);
    const unread = written.filter((f) => f.endsWith(".env") && !envFiles.includes(f));
    expect(unread.sort()).toEqual(["evaluator.env", "generator.env"]);
    expect(secretFiles.sort()).toEqual(["evaluator.password", "generator.password"]);
  });
});

describe("service Dockerfiles", () => {
  it.each(SERVICES)("%s: Node 22 slim stages, pinned pnpm, filtered frozen install, non-root user and a HEALTHCHECK", (svc) => {
    expect(dockerfileProblems(read(`services/${svc}/Dockerfile`), svc, pnpmVersion)).toEqual([]);
  });

  it.each([
    ["USER node", "", "runs as root"],
    ["USER node", "USER root", "runs as root"],
    ["HEALTHCHECK", "# HEALTHCHECK", "no HEALTHCHECK on a health endpoint"],
    ["ARG NODE_IMAGE=node:22-bookworm-slim", "ARG NODE_IMAGE=node:20-slim", "stage FROM node:20-slim is not node:22"],
    ["ARG PNPM_VERSION=", "ARG PNPM_VERSION=9.0.0 #", `pnpm not pinned to ${pnpmVersion}`],
    ["git tini chromium", "git tini", "no chromium"],
    ["dist/main.mjs\"]", "src/main.ts\"]", "CMD does not start the bundle dist/main.mjs"],
  ])("reports a Dockerfile where %j became %j", (from, to, problem) => {
    expect(dockerfileProblems(read("services/evaluator/Dockerfile").replace(from, to), "evaluator", pnpmVersion)).toContain(problem);
  });
});

describe("Kubernetes manifests (infra/k8s)", () => {
  it(`renders the base offline (${hasKubectl ? "kubectl kustomize" : "resource files"}) and every object passes the Kubernetes and KEDA schemas`, () => {
    expect(base.map((d) => str(at(d, "kind"))).sort()).toEqual(expect.arrayContaining(["Deployment", "ScaledObject", "Secret", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"]));
    expect(modelProblems(base)).toEqual([]);
  });

  it("gives every service a non-root Deployment with image, resources, health probes and its own NATS Secret, and scales workers on their consumer lag", () => {
    expect(manifestProblems(base)).toEqual([]);
  });

  const find = (docs: unknown[], kind: string, name: string): Obj => obj(docs.find((d) => at(d, "kind") === kind && at(d, "metadata", "name") === name));
  it.each([
    ["a Deployment whose container lost its image", (d: unknown[]) => { delete obj(at(find(d, "Deployment", "planner"), "spec", "template", "spec", "containers", 0))["image"]; }, "planner: container has no image"],
    ["a Deployment without a readiness probe", (d: unknown[]) => { delete obj(at(find(d, "Deployment", "evaluator"), "spec", "template", "spec", "containers", 0))["readinessProbe"]; }, "evaluator: no readinessProbe on /readyz"],
    ["a pod without runAsNonRoot", (d: unknown[]) => { delete obj(at(find(d, "Deployment", "supervisor"), "spec", "template", "spec", "securityContext"))["runAsNonRoot"]; }, "supervisor: pod may run as root"],
    ["a runner that mounts the NATS credentials", (d: unknown[]) => { list(at(find(d, "Deployment", "generator"), "spec", "template", "spec", "containers", 1, "volumeMounts")).push({ name: "nats-credentials", mountPath: "/x" }); }, "generator: the runner can read a secret"],
    ["a model key back in the evaluator's environment", (d: unknown[]) => { list(at(find(d, "Deployment", "evaluator"), "spec", "template", "spec", "containers", 0, "env")).push({ name: "ANTHROPIC_API_KEY", valueFrom: { secretKeyRef: { name: "harness-anthropic", key: "ANTHROPIC_API_KEY" } } }); }, "evaluator: a secret in the service's environment"],
    ["a runner running as the service's uid", (d: unknown[]) => { delete obj(at(find(d, "Deployment", "evaluator"), "spec", "template", "spec", "containers", 1, "securityContext"))["runAsUser"]; }, "evaluator: the runner runs as the service's uid"],
    ["a worker scaled on another role's consumer", (d: unknown[]) => { obj(at(find(d, "ScaledObject", "generator"), "spec", "triggers", 0, "metadata"))["consumer"] = "planner"; }, "generator: not scaled on consumer(s) generator"],
  ])("reports %s", (_what, mutate, problem) => {
    const docs = clone(base);
    mutate(docs);
    expect(manifestProblems(docs)).toContain(problem);
  });

  it("rejects objects that break the schemas: a non-numeric replica count, a ScaledObject with no target", () => {
    const docs = clone(base);
    obj(at(find(docs, "Deployment", "supervisor"), "spec"))["replicas"] = "two";
    delete obj(at(find(docs, "ScaledObject", "planner"), "spec"))["scaleTargetRef"];
    const problems = modelProblems(docs);
    expect(problems.some((x) => x.startsWith("Deployment/supervisor:"))).toBe(true);
    expect(problems.some((x) => x.startsWith("ScaledObject/planner:"))).toBe(true);
  });

  it("replaces every placeholder Secret with the CLI's credentials in the production overlay", () => {
    const dir = mkdtempSync(join(tmpdir(), "harness-k8s-"));
    tmpDirs.push(dir);
    cpSync(join(ROOT, "infra/k8s"), dir, { recursive: true, filter: (src) => basename(src) !== "secrets" });
    runCli(["--out", join(dir, "overlays/production/secrets")]);
    // Every env file the overlay's secretGenerator names is written, with real values.
    const overlay = parse(readFileSync(join(dir, "overlays/production/kustomization.yaml"), "utf8")) as { secretGenerator: Array<{ envs: string[] }> };
    for (const env of overlay.secretGenerator.flatMap((g) => g.envs)) {
      const text = readFileSync(join(dir, "overlays/production", env), "utf8");
      expect(text, env).toMatch(/^[A-Z_]+=\S{16,}$/m);
      expect(text, env).not.toContain("REPLACE-ME");
    }
    // Rendering needs kubectl (present on this kind of machine); without it the files above are the check.
    if (!hasKubectl) return;
    const docs = kustomize(join(dir, "overlays/production"));
    expect(modelProblems(docs)).toEqual([]);
    const secrets = docs.filter((d) => at(d, "kind") === "Secret");
    expect(secrets).toHaveLength(5);
    const decoded = secrets.flatMap((s) => Object.values(obj(at(s, "data"))).map((v) => Buffer.from(str(v), "base64").toString()));
    expect(decoded.some((v) => v.includes("REPLACE-ME"))).toBe(false);
    expect(secrets.some((s) => at(s, "stringData") !== undefined)).toBe(false);
  });
});

describe("NATS server config (infra/nats)", () => {
  it("commits exactly what @harness/nats-config renders, for compose and for the Helm chart", () => {
    expect(read("infra/nats/nats.conf")).toBe(renderNatsConfig({ server: {} }));
    const values = parse(read("infra/nats/values.yaml")) as unknown;
    expect(at(values, "configMap", "merge", "data", "auth.conf")).toBe(renderNatsConfig());
    expect(at(values, "config", "merge", "00$include")).toBe("auth.conf");
    expect(at(values, "config", "jetstream", "fileStore", "enabled")).toBe(true);
    expect(at(values, "config", "monitor", "enabled")).toBe(true);
    expect(at(values, "config", "cluster", "replicas")).toBe(3);
    expect(at(values, "container", "merge", "envFrom", 0, "secretRef", "name")).toBe("harness-nats-users");
  });

  it("is accepted by nats-server when every role's password is in its environment, and refused when one is missing", () => {
    const env = Object.fromEntries(harnessUsers().map((u) => [passwordVar(u.user), "Abcdefghijklmnop1234"]));
    const check = (e: Record<string, string>) => spawnSync(findNatsServer(), ["-t", "-c", join(ROOT, "infra/nats/nats.conf")], { env: { PATH: process.env["PATH"] ?? "", ...e }, encoding: "utf8" });
    expect(check(env).status).toBe(0);
    const { [passwordVar("planner")]: _dropped, ...missing } = env;
    expect(`${check(missing).stderr}${check(missing).stdout}`).toContain(passwordVar("planner"));
  });
});
