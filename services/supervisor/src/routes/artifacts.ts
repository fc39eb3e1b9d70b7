import type { RunState } from "@harness/contracts";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ArtifactParams, errorResponses } from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";
import { loadFullRun } from "../run-store.js";

/** Snapshots and evidence files the run refers to; refs of other runs are not served here. */
function referenced(s: RunState, ref: string): boolean {
  if (s.lastArtifact?.name === ref) return true;
  return s.sprints.some((sp) => sp.attempts.some((a) => a.build?.artifact.name === ref
    || Object.values(a.verdicts).some((v) => v.criteria.some((c) => c.evidence.some((e) => e.artifact?.name === ref)))));
}

export const artifactRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/runs/:id/artifacts/:ref", {
    schema: {
      tags: ["runs"], summary: "Download a workspace snapshot (tar) or an evidence file (png) of the run",
      params: ArtifactParams, response: errorResponses,
    },
  }, async (req, reply) => {
    const { id, ref } = req.params;
    const state = await loadFullRun(deps.bus, id);
    if (!referenced(state, ref)) throw new errors.ArtifactNotFound(ref, id);
    const bytes = await deps.bus.artifacts.get(ref);
    if (!bytes) throw new errors.ArtifactNotFound(ref, id);
    const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
    // Raw bytes: no JSON schema to serialize through.
    return (reply as FastifyReply)
      .header("content-type", isPng ? "image/png" : "application/x-tar")
      .header("content-length", bytes.byteLength)
      .header("content-disposition", `${isPng ? "inline" : "attachment"}; filename="${ref}${isPng ? ".png" : ".tar"}"`)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
};
