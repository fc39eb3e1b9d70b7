import type { Permissions } from "./roles.js";

/**
 * NATS subject matching: `*` is one token, `>` one or more trailing tokens. Used to check a
 * generated permission set offline; the server remains the authority (see the permission test).
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">") return s.length > i;
    if (i >= s.length) return false;
    if (token !== "*" && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Whether a concrete subject may be published / subscribed to under these permissions. */
export function permits(perms: Permissions, op: "publish" | "subscribe", subject: string): boolean {
  const rules = perms[op];
  const allowed = rules.allow.length === 0 || rules.allow.some((a) => subjectMatches(a, subject));
  return allowed && !rules.deny.some((d) => subjectMatches(d, subject));
}
