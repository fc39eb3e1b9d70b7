import {
  CONSUMERS, EvaluatorName, EventMessage, STREAMS, WorkMessage, evaluatorOfSubject, eventSubjectOf, legacyEventSubjectOf, workSubject,
} from "@harness/contracts";
import { RoutingError } from "./errors.js";

const WORK_TYPES: ReadonlySet<string> = new Set(WorkMessage.options.map((o) => o.shape.type.value));
const EVENT_TYPES: ReadonlySet<string> = new Set(EventMessage.options.map((o) => o.shape.type.value));

/**
 * contracts' routing, chosen by the message's type tag. `evaluator` picks the queue of evaluation
 * work (the envelope does not name it); "core" when absent.
 */
export function subjectFor(value: unknown, evaluator?: string): string {
  const type = typeOf(value);
  if (type !== undefined && WORK_TYPES.has(type)) return workSubject(value as WorkMessage, evaluator);
  if (type !== undefined && EVENT_TYPES.has(type)) return eventSubjectOf(value as EventMessage);
  throw new RoutingError(`no subject for message type ${type === undefined ? "(none)" : `"${type}"`}: pass opts.subject`);
}

export function typeOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" ? type : undefined;
}

const MISMATCH = "subject does not match the envelope";

/**
 * Why `subject` is not where this envelope belongs, or undefined when it is. NATS permissions
 * bind a user to the subjects it may publish on, never to what its messages say: a generator may
 * publish on `build.produced` whatever the envelope inside claims to be. A message is only as
 * trustworthy as its subject when the two agree, so consume (and publish) hold every envelope to
 * the subject publish would choose for it, with the same function, so the two never disagree.
 * A value of a type contracts do not route (a test's own schema) has no subject to hold it to.
 */
export function subjectMismatch(subject: string, value: unknown): string | undefined {
  let expected: string;
  try {
    expected = subjectFor(value, evaluatorOf(subject));
  } catch (err) {
    if (err instanceof RoutingError) return undefined;
    // A routed type whose fields the consumer's own schema did not check (a loose schema).
    return `${MISMATCH}: no subject follows from its fields (${err instanceof Error ? err.message : String(err)})`;
  }
  if (expected === subject) return undefined;
  // Stored before senders were in subjects: no user of the generated config may publish it.
  if (EVENT_TYPES.has(typeOf(value) ?? "") && legacyEventSubjectOf(value as EventMessage) === subject) return undefined;
  return `${MISMATCH}: a ${typeOf(value) ?? "message"} of run ${runIdOf(value)} belongs on ${expected}, not ${subject}`;
}

/**
 * Evaluation work names its evaluator only in its subject (the supervisor picks the queue), so
 * any valid evaluator name there is the envelope's own; the permissions decide who reads it.
 */
function evaluatorOf(subject: string): string | undefined {
  const name = evaluatorOfSubject(subject);
  return name !== undefined && EvaluatorName.safeParse(name).success ? name : undefined;
}

function runIdOf(value: unknown): string {
  const runId = typeof value === "object" && value !== null ? (value as { runId?: unknown }).runId : undefined;
  return typeof runId === "string" ? runId : "(none)";
}

export function streamOfConsumer(consumer: string): string {
  return consumer === CONSUMERS.supervisor ? STREAMS.events : STREAMS.work;
}

/** NATS subject matching: `*` is one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
