import type { RunState } from "@harness/contracts";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ArtifactParams, readErrorResponses } from "../api-schemas.js";
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
    onRequest: deps.readAuth,
    schema: {
      tags: ["runs"], summary: "Download a workspace snapshot (tar) or an evidence file (png) of the run",
      params: ArtifactParams, response: readErrorResponses,
    },
  }, async (req, reply) => {
    const { id, ref } = req.params;
    const state = await loadFullRun(deps.bus, id);
    if (!referenced(state, ref)) throw new errors.ArtifactNotFound(ref, id);
    const bytes = await deps.bus.artifacts.get(ref);
    if (!bytes) throw new errors.ArtifactNotFound(ref, id);
    const kind = kindOf(bytes);
    // Raw bytes: no JSON schema to serialize through.
    return (reply as FastifyReply)
      .header("content-type", kind.type)
      .header("content-length", bytes.byteLength)
      .header("content-disposition", `${kind.type === "image/png" ? "inline" : "attachment"}; filename="${ref}${kind.ext}"`)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
};

/** From the bytes' signature: workspace snapshots are gzip-compressed tars, evidence screenshots PNGs. */
function kindOf(bytes: Uint8Array): { type: string; ext: string } {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return { type: "image/png", ext: ".png" };
  if (starts(0x1f, 0x8b)) return { type: "application/gzip", ext: ".tar.gz" };
  if (Buffer.from(bytes.subarray(257, 262)).toString("latin1") === "ustar") return { type: "application/x-tar", ext: ".tar" };
  return { type: "application/octet-stream", ext: "" };
}
