/**
 * Variables a build command may inherit. An allowlist, not a denylist: anything the service
 * was started with (API keys, NATS credentials, tokens) stays out unless named here.
 */
export const PASSED_ENV_KEYS = [
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ",
  "TMPDIR", "TMP", "TEMP", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
  "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "PNPM_HOME", "COREPACK_HOME",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
] as const;

/** Defaults that keep tools non-interactive and their output free of ANSI noise. */
const DEFAULT_COMMAND_ENV: Record<string, string> = {
  NO_COLOR: "1",
  TERM: "dumb",
  PAGER: "cat",
  GIT_PAGER: "cat",
  GIT_TERMINAL_PROMPT: "0",
};

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|(^|_)AUTH($|_)/i;

/** True for names that must never reach a command, whoever asks for them. */
export function isSecretEnvName(name: string): boolean {
  // git's own way to pass config on the command line (GIT_CONFIG_KEY_<n> names a setting).
  if (/^GIT_CONFIG_KEY_\d+$/.test(name)) return false;
  return SECRET_NAME.test(name) || name.startsWith("NATS_") || name === "ANTHROPIC_API_KEY" || name === "HARNESS_API_TOKEN";
}

/**
 * The environment for workspace commands: the allowlisted variables of this process, the
 * non-interactive defaults, then `extra`. Secret-looking names are dropped even from `extra`,
 * since a caller forwarding its own env by mistake would otherwise leak credentials.
 */
export function scrubbedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { ...DEFAULT_COMMAND_ENV };
  for (const key of PASSED_ENV_KEYS) {
    const value = process.env[key];
    if (value === undefined) continue;
    // Proxy URLs can embed user:password; a proxy that needs them is the operator's to configure.
    if (/proxy/i.test(key) && /\/\/[^/]*@/.test(value)) continue;
    env[key] = value;
  }
  env["PATH"] ??= "/usr/local/bin:/usr/bin:/bin";
  for (const [key, value] of Object.entries(extra)) {
    if (!isSecretEnvName(key)) env[key] = value;
  }
  return env;
}
