/** scripted-model errors carry a stable `code` so callers can branch without parsing messages. */
export class ScriptedModelError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ScriptedModelError";
    this.code = code;
  }
}

/** The script does not fit the schema; `issues` name each bad field by its path. */
export class InvalidScriptError extends ScriptedModelError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[], source?: string, options?: ErrorOptions) {
    const where = source === undefined ? "" : ` (${source})`;
    super("SCRIPTED_ERR_INVALID_SCRIPT", `invalid script${where}:\n  - ${issues.join("\n  - ")}`, options);
    this.name = "InvalidScriptError";
    this.issues = issues;
  }
}

/** The script file could not be read or is not valid JSON/YAML. */
export class ScriptLoadError extends ScriptedModelError {
  constructor(message: string, options?: ErrorOptions) {
    super("SCRIPTED_ERR_LOAD", message, options);
    this.name = "ScriptLoadError";
  }
}

/** A reply function threw or returned something that is not a reply. */
export class ReplyFunctionError extends ScriptedModelError {
  constructor(message: string, options?: ErrorOptions) {
    super("SCRIPTED_ERR_REPLY_FUNCTION", message, options);
    this.name = "ReplyFunctionError";
  }
}

/** The server could not start (bad port, address in use). */
export class ServerStartError extends ScriptedModelError {
  constructor(message: string, options?: ErrorOptions) {
    super("SCRIPTED_ERR_START", message, options);
    this.name = "ServerStartError";
  }
}

export const errors = { ScriptedModelError, InvalidScriptError, ScriptLoadError, ReplyFunctionError, ServerStartError };
