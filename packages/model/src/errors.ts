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

/** The endpoint kept failing (429/529/5xx/timeouts) past the retry bound. Redeliver later. */
export class ModelUnavailableError extends ModelError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super("MODEL_UNAVAILABLE", message, true, options);
    this.name = "ModelUnavailableError";
    this.retryAfterMs = retryAfterMs;
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
  constructor(kind: "cost" | "tokens", limit: number, used: number, detail: string) {
    super("MODEL_BUDGET_EXCEEDED", detail, false);
    this.name = "BudgetExceededError";
    this.kind = kind;
    this.limit = limit;
    this.used = used;
  }
}

/** A request the API refused for a reason retrying will not fix (400, 401, 403, 404). */
export class ModelRequestError extends ModelError {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, options?: ErrorOptions) {
    super("MODEL_REQUEST_REJECTED", message, false, options);
    this.name = "ModelRequestError";
    this.status = status;
  }
}

export const errors = { ModelError, ModelUnavailableError, InvalidModelOutputError, BudgetExceededError, ModelRequestError };
