import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors } from "./errors.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Bearer check in constant time (hashing first makes lengths equal). */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) throw new errors.Unauthorized();
  };
}
