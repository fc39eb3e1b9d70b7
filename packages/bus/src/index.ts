export { connectBus } from "./connect.js";
export {
  ValidationError, PermanentError, RetryableError, KvConflictError, RoutingError, DeadLetterNotFoundError, StoreError,
  ArtifactIntegrityError, errors,
} from "./errors.js";
export { isTransientNatsError } from "./nats-errors.js";
export { subjectFor, subjectMismatch } from "./routing.js";
export { newTraceparent, isTraceparent } from "./trace.js";
export {
  DEFAULT_ACK_WAIT_MS, DEFAULT_MAX_DELIVER, DEFAULT_BACKOFF_MS, DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_CONCURRENCY,
  DEFAULT_EVALUATORS, BUS_HEADERS,
} from "./defaults.js";

export type {
  Bus, BusConsumer, ConnectOptions, ProvisionOptions, PublishOptions, PublishResult, ConsumeOptions, Handler,
  HandlerContext, RunStore, ArtifactStore, DeadLetters, DeadLetter, StoredEvent, ReadEventsOptions, Tail, Logger,
} from "./types.js";
