import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import asyncApi from "@harness/contracts/asyncapi.json" with { type: "json" };
import { createJsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";

export const API_VERSION = "0.1.0";

/** The NATS message protocol, generated into contracts by `pnpm schemas`; serialised once. */
const ASYNCAPI_TEXT = JSON.stringify(asyncApi);

/**
 * The OpenAPI document is generated from the routes' zod schemas, so it cannot drift from what
 * the API validates. Swagger UI's assets ship inside the package: /docs works offline.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "harness supervisor API",
        version: API_VERSION,
        description: "Runs, their live event stream, controls, services and dead letters. Mutating routes need `Authorization: Bearer <token>`; with `SUPERVISOR_READ_AUTH=true`, so do the routes that read runs, events, artifacts, services and dead letters (health, readiness, metrics and this document stay open). "
          + "The NATS message protocol the services speak (for a custom evaluator in any language) is the AsyncAPI 3.0 document at [/asyncapi.json](/asyncapi.json).",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      tags: [
        { name: "runs", description: "create, list, inspect and control runs" },
        { name: "events", description: "a run's history and live stream" },
        { name: "ops", description: "health, services, dead letters, metrics" },
      ],
    },
    transform: createJsonSchemaTransform({ skipList: ["/docs", "/docs/", "/docs/*", "/docs/static/*", "/docs/json", "/docs/yaml", "/docs/uiConfig", "/docs/initOAuth", "/openapi.json", "/asyncapi.json", "/", "/dashboard/*"] }),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list", deepLinking: true } });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/asyncapi.json", { schema: { hide: true } }, async (_req, reply) => reply.type("application/json; charset=utf-8").send(ASYNCAPI_TEXT));
}
