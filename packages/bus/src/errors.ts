import type { z } from "zod";

/** A message failed its schema; on publish nothing was sent. */
export class ValidationError extends Error {
  readonly code = "BUS_ERR_VALIDATION";
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(message: string, issues: readonly z.core.$ZodIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.name = "ValidationError";
    this.issues = issues;
  }
}

/** Thrown by a handler when retrying cannot help: the message is dead-lettered at once. */
export class PermanentError extends Error {
  readonly code: string = "BUS_ERR_PERMANENT";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentError";
  }
}

/** Thrown by a handler to be retried, optionally after its own delay (e.g. a rate limit's retry-after). */
export class RetryableError extends Error {
  readonly code = "BUS_ERR_RETRYABLE";
  readonly delayMs: number | undefined;
  constructor(message: string, delayMs?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "RetryableError";
    this.delayMs = delayMs;
  }
}

/** A compare-and-set on the run store lost: someone else wrote the key first. */
export class KvConflictError extends Error {
  readonly code = "BUS_ERR_KV_CONFLICT";
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`run store key "${key}" was changed by another writer`, options);
    this.name = "KvConflictError";
    this.key = key;
  }
}

/** publish() could not pick a subject for a message type and none was given. */
export class RoutingError extends Error {
  readonly code = "BUS_ERR_ROUTING";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RoutingError";
  }
}

export class DeadLetterNotFoundError extends Error {
  readonly code = "BUS_ERR_DEAD_LETTER_NOT_FOUND";
  readonly seq: number;
  constructor(seq: number, options?: ErrorOptions) {
    super(`no dead letter with sequence ${seq}`, options);
    this.name = "DeadLetterNotFoundError";
    this.seq = seq;
  }
}

/** The run store refused a key or answered a read with an error status. */
export class StoreError extends Error {
  readonly code = "BUS_ERR_STORE";
  /** The same read may well work if made again (a listing cut short by a dropped connection). */
  readonly retryable: boolean;
  constructor(message: string, options?: ErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = "StoreError";
    this.retryable = options?.retryable ?? false;
  }
}

/**
 * An artifact's bytes do not hash to the digest its content-addressed name promises: replaced
 * under its name (any role with object-store write access can) or corrupted. Permanent: the
 * same name returns the same wrong bytes, and a worker must not act on them.
 */
export class ArtifactIntegrityError extends PermanentError {
  override readonly code = "BUS_ERR_ARTIFACT_INTEGRITY";
  readonly artifact: string;
  constructor(artifact: string, message: string, options?: ErrorOptions) {
    super(`artifact ${artifact} failed its integrity check: ${message}`, options);
    this.name = "ArtifactIntegrityError";
    this.artifact = artifact;
  }
}

export const errors = {
  ValidationError,
  PermanentError,
  RetryableError,
  KvConflictError,
  RoutingError,
  DeadLetterNotFoundError,
  StoreError,
  ArtifactIntegrityError,
};
