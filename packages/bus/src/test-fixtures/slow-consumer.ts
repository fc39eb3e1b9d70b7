/**
 * A consumer process for the crash test: it takes a message and never finishes it, so the test can
 * SIGKILL it mid-message. Usage: slow-consumer.ts <nats-url> <durable>
 */
import { connectBus } from "../connect.js";
import { Job, silentLogger } from "./messages.js";

const [url, durable] = process.argv.slice(2);
if (!url || !durable) throw new Error("usage: slow-consumer.ts <nats-url> <durable>");

const bus = await connectBus({ url, name: "slow-consumer", logger: silentLogger() });
bus.consume(durable, Job, async (msg, ctx) => {
  process.stdout.write(`received ${msg.id} ${ctx.deliveryCount}\n`);
  await new Promise<never>(() => undefined);
});
process.stdout.write("ready\n");
