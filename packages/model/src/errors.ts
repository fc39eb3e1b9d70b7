import type { ModelRole } from "@harness/contracts";
/** Model-layer errors with stable codes; `retryable` tells the bus whether to redeliver. */
export class ModelError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelError";
    this.code = code;
    this.retryable = retryable;
  }
}

/**
 * The endpoint kept failing (429/529/5xx/connection resets/timeouts) past the retry bound, or asked
 * for a longer wait than a worker should block for. Redeliver after `retryAfterMs`.
 */
export class ModelUnavailableError extends ModelError {
  readonly retryAfterMs: number;
  /** HTTP attempts made for this call (1 = no retry). */
  readonly attempts: number;
  /** Status of the last failed attempt; undefined for connection failures and timeouts. */
  readonly status: number | undefined;
  constructor(message: string, retryAfterMs: number, options?: ErrorOptions & { attempts?: number; status?: number }) {
    super("MODEL_UNAVAILABLE", message, true, options);
    this.name = "ModelUnavailableError";
    this.retryAfterMs = retryAfterMs;
    this.attempts = options?.attempts ?? 1;
    this.status = options?.status;
  }
}

/** The model never produced output that validates, after the bounded re-asks. */
export class InvalidModelOutputError extends ModelError {
  constructor(message: string, options?: ErrorOptions) {
    super("MODEL_INVALID_OUTPUT", message, false, options);
    this.name = "InvalidModelOutputError";
  }
}

/** The run's remaining budget cannot cover the call's worst case; nothing was sent. */
export class BudgetExceededError extends ModelError {
  readonly kind: "cost" | "tokens";
  readonly limit: number;
  readonly used: number;
  /** The numbers behind the refusal, in the kind's unit: spent, reserved by calls in flight, the refused call's worst case. */
  readonly refused: RefusalNumbers | undefined;
  constructor(kind: "cost" | "tokens", limit: number, used: number, detail: string, refused?: RefusalNumbers) {
    super("MODEL_BUDGET_EXCEEDED", detail, false);
    this.name = "BudgetExceededError";
    this.kind = kind;
    this.limit = limit;
    this.used = used;
    this.refused = refused;
  }
}

export interface RefusalNumbers { role: ModelRole; model: string; spent: number; reserved: number; worstCase: number }

/** A request the API refused for a reason retrying will not fix (400, 401, 403, 404). */
export class ModelRequestError extends ModelError {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, options?: ErrorOptions) {
    super("MODEL_REQUEST_REJECTED", message, false, options);
    this.name = "ModelRequestError";
    this.status = status;
  }
}

/** A model setting from the environment or options is malformed; names the offending key. Fix the deployment. */
export class ModelConfigError extends ModelError {
  readonly key: string;
  constructor(key: string, message: string, options?: ErrorOptions) {
    super("MODEL_CONFIG_INVALID", `${key}: ${message}`, false, options);
    this.name = "ModelConfigError";
    this.key = key;
  }
}

export const errors = { ModelError, ModelUnavailableError, InvalidModelOutputError, BudgetExceededError, ModelRequestError, ModelConfigError };
