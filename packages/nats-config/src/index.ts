export { harnessUsers, NatsConfigOptions } from "./roles.js";
/** Where each user's replies come; its permissions allow no other inbox (clients connect with it). */
export { inboxPrefix } from "@harness/contracts";
export { ADMIN_USER, renderAuthorization, renderNatsConfig, RenderOptions, ServerOptions } from "./render.js";
export { subjectMatches, permits } from "./subjects.js";
export { generatePassword, passwordVar, formatEnvFile, parseEnvFile, PASSWORD_PATTERN } from "./credentials.js";
export { KV_STREAM, OBJ_STREAM } from "./jetstream.js";
export { runCli } from "./cli.js";

export type { HarnessRole, NatsUser, Permissions, SubjectRules } from "./roles.js";
export type { CliResult } from "./cli.js";
export { writeLocalCredentials } from "./local.js";
export type { LocalCredentials, LocalCredentialsOptions } from "./local.js";
