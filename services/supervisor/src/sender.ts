import { CORE_ONLY_EVENTS, WORK_ROLE, mayProduce, senderOf, type EventMessage, type RunState } from "@harness/contracts";

/**
 * Why the supervisor ignores this event for who sent it, or undefined when it may count. The
 * sender is the subject's (bus routing holds the envelope to it; NATS permissions hold the
 * subject to the publisher's user), so a payload cannot claim another role:
 * - the sender's role must produce the type (EVENT_PRODUCERS), a custom evaluator no review;
 * - a failure or progress counts only for work of the sender's role (a generator cannot fail
 *   the evaluation), a review only from the built-in evaluator;
 * whether a budget refusal's numbers hold is the ledger's check (reducer), not the sender's.
 */
export function refusedSender(s: RunState, e: EventMessage): string | undefined {
  const sender = senderOf(e);
  const who = sender.role === "evaluator" ? `evaluator ${sender.evaluator ?? "core"}` : sender.role;
  if (!mayProduce(sender.role as Parameters<typeof mayProduce>[0], e.type)) return `${who} does not send ${e.type}`;
  if (sender.role === "evaluator" && sender.evaluator !== "core" && CORE_ONLY_EVENTS.includes(e.type)) return `${who} does not send ${e.type}`;
  if (e.type === "work.failed" || e.type === "work.progress") {
    const given = WORK_ROLE[e.payload.work as keyof typeof WORK_ROLE] as string | undefined;
    if (given !== sender.role) return `${who} was not given ${e.payload.work} work`;
    if (e.payload.work === "review.requested" && sender.evaluator !== "core") return `${who} was not given review.requested work`;
  }
  return undefined;
}
