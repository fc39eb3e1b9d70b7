/** Stable codes: callers branch on `code`, never on message text. */
export const ERROR_CODES = {
  tool: "WS_ERR_TOOL",
  invalidInput: "WS_ERR_INVALID_INPUT",
  pathEscape: "WS_ERR_PATH_ESCAPE",
  notFound: "WS_ERR_NOT_FOUND",
  editNoMatch: "WS_ERR_EDIT_NO_MATCH",
  editAmbiguous: "WS_ERR_EDIT_AMBIGUOUS",
  serverStart: "WS_ERR_SERVER_START",
  noServer: "WS_ERR_NO_SERVER",
  archive: "WS_ERR_ARCHIVE",
  git: "WS_ERR_GIT",
  sandbox: "WS_ERR_SANDBOX",
  runner: "WS_ERR_RUNNER",
} as const;

export type WorkspaceErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Base of every error this package throws on purpose. */
export class WorkspaceError extends Error {
  readonly code: WorkspaceErrorCode;
  constructor(message: string, code: WorkspaceErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkspaceError";
    this.code = code;
  }
}

/**
 * An error the model should see: the model layer turns it into an `is_error` tool_result
 * instead of failing the build, so the message must tell the model what to do differently.
 */
export class ToolError extends WorkspaceError {
  constructor(message: string, code: WorkspaceErrorCode = ERROR_CODES.tool, options?: ErrorOptions) {
    super(message, code, options);
    this.name = "ToolError";
  }
}

/** A snapshot could not be made or an archive was refused on restore. */
export class ArchiveError extends WorkspaceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ERROR_CODES.archive, options);
    this.name = "ArchiveError";
  }
}

/** A git command failed; `stderr` carries git's own explanation. */
export class GitError extends WorkspaceError {
  readonly stderr: string;
  constructor(message: string, stderr: string, options?: ErrorOptions) {
    super(message, ERROR_CODES.git, options);
    this.name = "GitError";
    this.stderr = stderr;
  }
}

export function isToolError(err: unknown): err is ToolError {
  return err instanceof ToolError;
}

export const errors = { WorkspaceError, ToolError, ArchiveError, GitError } as const;
