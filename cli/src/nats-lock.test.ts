import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimNatsStore } from "./nats-lock.js";

const dirs: string[] = [];
function folder(): { dataDir: string; storeDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), "harness-lock-"));
  dirs.push(dataDir);
  return { dataDir, storeDir: join(dataDir, "nats") };
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const lock = (dataDir: string, value: object) => writeFileSync(join(dataDir, "nats.lock"), JSON.stringify(value));
const claimed = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, "nats.lock"), "utf8")) as { launcherPid: number; natsPid: number };

describe("cli - one local NATS per data folder", () => {
  it("takes over a lock whose NATS is gone, even when the launcher it names is alive (a pid reused after a reboot)", async () => {
    const { dataDir, storeDir } = folder();
    const gone = spawnSync("true").pid;
    lock(dataDir, { launcherPid: process.ppid, launcherStart: "1", natsPid: gone, storeDir });
    expect(await claimNatsStore(dataDir, storeDir)).toBeUndefined();
    expect(claimed(dataDir)).toMatchObject({ launcherPid: process.pid, natsPid: 0 });
  });

  it("leaves alone a live process that only mentions the store's path, and is not a nats-server", async () => {
    const { dataDir, storeDir } = folder();
    const bystander = spawn("sh", ["-c", "sleep 30", "sh", "-sd", storeDir], { stdio: "ignore" });
    try {
      lock(dataDir, { launcherPid: spawnSync("true").pid, launcherStart: "1", natsPid: bystander.pid, storeDir });
      expect(await claimNatsStore(dataDir, storeDir)).toBeUndefined();
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      bystander.kill("SIGKILL");
    }
  });
});
