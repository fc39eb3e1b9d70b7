export { createLogger, redactText, rememberSecrets, SECRET_ENV_KEYS } from "./logger.js";
export type { Logger } from "./logger.js";
