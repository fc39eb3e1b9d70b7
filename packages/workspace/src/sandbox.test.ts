import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCommand } from "./command.js";
import { ERROR_CODES } from "./errors.js";
import { gitCommit, gitInit } from "./git.js";
import { releaseWorkspace, sandboxStatus } from "./sandbox.js";
import { processGone, useTempDirs } from "./test-support.js";

const temp = useTempDirs();
const before = process.env["HARNESS_SANDBOX"];
afterEach(() => {
  if (before === undefined) delete process.env["HARNESS_SANDBOX"];
  else process.env["HARNESS_SANDBOX"] = before;
  delete process.env["HARNESS_SANDBOX_HIDE"];
});

/** A folder beside the workspace holding a 0600 secret of the service's user, as nats-auth does. */
function secretBeside(base: string): string {
  const dir = join(base, "nats-auth");
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, "generator.password"), "s3cretPassw0rdThatMustNotLeak\n", { mode: 0o600 });
  return dir;
}

// This machine and CI run tests as root, where `auto` is `uid`; the userns case is forced.
describe("sandbox - commands run where the service's credentials are out of reach", () => {
  it("as root, a command runs as its workspace's own unprivileged uid and cannot read the service's 0600 files or environment", async () => {
    process.env["HARNESS_SANDBOX"] = "uid";
    const base = temp.make();
    const secrets = secretBeside(base);
    const ws = join(base, "ws");
    mkdirSync(ws);
    const r = await runCommand(ws, `id -u; cat ${secrets}/generator.password; tr '\\0' '\\n' < /proc/${process.pid}/environ; echo HOME=$HOME; touch made-here && echo wrote`);
    const [uid] = r.stdout.split("\n");
    expect(Number(uid)).toBeGreaterThanOrEqual(1_000_000_000);
    expect(r.stdout).not.toContain("s3cret");
    expect(r.stdout).not.toContain("PATH=");
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.stdout).toContain(`HOME=${ws}/.harness-home`);
    expect(r.stdout).toContain("wrote");
  });

  it("two workspaces get different uids, and one's commands cannot read the other's files", async () => {
    process.env["HARNESS_SANDBOX"] = "uid";
    const base = temp.make();
    const [a, b] = [join(base, "a"), join(base, "b")];
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(b, "private.txt"), "b's work\n");
    const ra = await runCommand(a, "id -u");
    const rb = await runCommand(b, `id -u; cat private.txt`);
    expect(rb.stdout).toContain("b's work");
    expect(ra.stdout.trim()).not.toBe(rb.stdout.split("\n")[0]);
    const peek = await runCommand(a, `cat ${b}/private.txt`);
    expect(peek.exitCode).not.toBe(0);
    expect(peek.stdout).not.toContain("b's work");
  });

  it("files the service writes between commands are handed to the sandbox user, git included", async () => {
    process.env["HARNESS_SANDBOX"] = "uid";
    const ws = temp.make();
    await gitInit(ws);
    writeFileSync(join(ws, "script.sh"), "echo hi\n");
    const r = await runCommand(ws, "chmod +x script.sh && ./script.sh && git add -A && git commit -qm first && echo committed");
    expect(r.stdout, r.stderr).toContain("committed");
    writeFileSync(join(ws, "later.txt"), "written by the service\n");
    expect(await gitCommit(ws, "second")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("a workspace below a folder no other user may pass through fails with an error naming that folder", async () => {
    process.env["HARNESS_SANDBOX"] = "uid";
    const base = temp.make();
    const closed = join(base, "closed");
    mkdirSync(join(closed, "ws"), { recursive: true, mode: 0o700 });
    await expect(runCommand(join(closed, "ws"), "true")).rejects.toMatchObject({ code: ERROR_CODES.sandbox, message: expect.stringContaining(`${closed} is mode 700`) });
  });

  it("releasing a workspace kills what its commands left running, even a process that left its group with setsid", async () => {
    process.env["HARNESS_SANDBOX"] = "uid";
    const ws = temp.make();
    const r = await runCommand(ws, "setsid sh -c 'echo $$ > escaped.pid; exec sleep 1000' > /dev/null 2>&1 < /dev/null & sleep 0.3; cat escaped.pid");
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    expect(processGone(pid)).toBe(false);
    releaseWorkspace(ws);
    const deadline = Date.now() + 3_000;
    while (!processGone(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 25));
    expect(processGone(pid)).toBe(true);
  });

  it("in a user namespace, the hidden credential folder is empty and /proc shows only the command's own processes", async () => {
    process.env["HARNESS_SANDBOX"] = "userns";
    expect(sandboxStatus().mode).toBe("userns");
    const base = temp.make();
    const secrets = secretBeside(base);
    process.env["HARNESS_SANDBOX_HIDE"] = secrets;
    const ws = join(base, "ws");
    mkdirSync(ws);
    const r = await runCommand(ws, `ls -A ${secrets}; cat ${secrets}/generator.password; ls /proc | grep -c '^[0-9]'; cat /proc/${process.pid}/environ; umount ${secrets} && echo unmounted; echo done`);
    expect(r.stdout).not.toContain("s3cret");
    expect(r.stdout).not.toContain("generator.password");
    expect(r.stdout).not.toContain("unmounted");
    expect(r.stdout).toContain("done");
    // bash, ls, grep and the namespace's init: a handful, not the machine's processes.
    expect(Number(r.stdout.split("\n").find((l) => /^\d+$/.test(l)))).toBeLessThan(10);
    expect(readFileSync(join(secrets, "generator.password"), "utf8")).toContain("s3cret");
  });
});
