import { CORE_ONLY_EVENTS, MODEL_ROLES, WORK_REPORTS, WORK_ROLE, holderKey, mayProduce, senderOf, type EventMessage, type RunState } from "@harness/contracts";

/**
 * Why the supervisor ignores this event for who sent it, or undefined when it may count. The
 * sender is the subject's (bus routing holds the envelope to it; NATS permissions hold the
 * subject to the publisher's user), so a payload cannot claim another role:
 * - the sender's role must produce the type (EVENT_PRODUCERS), a custom evaluator no review;
 * - a report about work (usage, failure, refusal, progress) counts only when its causation is
 *   work this run gave to the sender (a generator cannot charge, fail or refuse the evaluation,
 *   nor anything of a run it holds no work of), and usage only for calls of the sender's model
 *   roles (a generator's is never the judge's);
 * - a failure or progress counts only for work of the sender's role, a review only from the
 *   built-in evaluator;
 * whether a budget refusal's numbers hold is the ledger's check (reducer), not the sender's.
 * `archivedGiven`: the work of the event's sprint when the sprint is archived (from its record).
 */
export function refusedSender(s: RunState, e: EventMessage, archivedGiven?: Readonly<Record<string, string>>): string | undefined {
  const sender = senderOf(e);
  const who = sender.role === "evaluator" ? `evaluator ${sender.evaluator ?? "core"}` : sender.role;
  if (!mayProduce(sender.role as Parameters<typeof mayProduce>[0], e.type)) return `${who} does not send ${e.type}`;
  if (sender.role === "evaluator" && sender.evaluator !== "core" && CORE_ONLY_EVENTS.includes(e.type)) return `${who} does not send ${e.type}`;
  if (WORK_REPORTS.includes(e.type) && s.given !== undefined) {
    // Its causation is the work it reports on: work this run gave out, to this sender.
    const to = e.causationId !== null ? givenTo(s, e.sprint, e.causationId, archivedGiven) : undefined;
    if (to === undefined) return `${who} sent ${e.type} about work this run never gave out (${e.causationId ?? "none"})`;
    if (to !== holderKey(sender)) return `${who} sent ${e.type} about work given to ${to}`;
  }
  if (e.type === "usage.reserved" || e.type === "usage.recorded") {
    const roles: readonly string[] = MODEL_ROLES[sender.role as keyof typeof MODEL_ROLES] ?? [];
    if (!roles.includes(e.payload.role)) return `${who} does not make ${e.payload.role} calls`;
  }
  if (e.type === "work.failed" || e.type === "work.progress") {
    const given = WORK_ROLE[e.payload.work as keyof typeof WORK_ROLE] as string | undefined;
    if (given !== sender.role) return `${who} was not given ${e.payload.work} work`;
    if (e.payload.work === "review.requested" && sender.evaluator !== "core") return `${who} was not given review.requested work`;
  }
  return undefined;
}

/** Who the run gave this work to: its sprint's (the record's, when archived), or the run's own. */
function givenTo(s: RunState, sprint: number, id: string, archivedGiven?: Readonly<Record<string, string>>): string | undefined {
  const sp = sprint > 0 ? s.sprints.find((x) => x.number === sprint) : undefined;
  if (sp?.archived === true) return archivedGiven?.[id];
  return sp?.given?.[id] ?? s.given?.[id];
}
