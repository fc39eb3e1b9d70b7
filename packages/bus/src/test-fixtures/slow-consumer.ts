/**
 * A consumer process for the crash test: it takes a message and never finishes it, so the test can
 * SIGKILL it mid-message. Usage: slow-consumer.ts <nats-url> <durable>
 */
import { readFileSync } from "node:fs";
import { connectBus } from "../connect.js";
import { Job, silentLogger } from "./messages.js";

const [url, durable] = process.argv.slice(2);
if (!url || !durable) throw new Error("usage: slow-consumer.ts <nats-url> <durable>");

// Credentials as a service gets them: NATS_USER and the password's file (see docs/operations.md).
const user = process.env["NATS_USER"];
const pass = process.env["NATS_PASSWORD_FILE"] ? readFileSync(process.env["NATS_PASSWORD_FILE"], "utf8").trim() : undefined;
const bus = await connectBus({ url, name: "slow-consumer", logger: silentLogger(), ...(user ? { user, pass } : {}) });
bus.consume(durable, Job, async (msg, ctx) => {
  process.stdout.write(`received ${msg.id} ${ctx.deliveryCount}\n`);
  await new Promise<never>(() => undefined);
});
process.stdout.write("ready\n");
