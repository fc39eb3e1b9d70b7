import type { FastifyInstance } from "fastify";

/** Listens and returns the URL clients use (loopback form for a wildcard host). */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const addr = app.server.address();
  const actual = typeof addr === "object" && addr ? addr.port : port;
  return `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${actual}`;
}
