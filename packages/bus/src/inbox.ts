import { createInbox, type NatsConnection } from "@nats-io/transport-node";

/**
 * A new reply subject under the connection's own inbox prefix (ConnectOptions.inboxPrefix), the
 * only one its NATS user may subscribe to (see inboxPrefix in contracts). The client keeps the
 * prefix in its options, where its own JetStream code reads it too; the connection's interface
 * does not expose it.
 */
export function newInbox(nc: NatsConnection): string {
  return createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
}
