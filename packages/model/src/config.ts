import type { ModelChoice, ModelRole } from "@harness/contracts";

export interface RoleModel { model: string; maxTokens: number }

/** Current Claude ids; a run's options or the env override them per role. */
export const DEFAULT_MODELS: Record<ModelRole, RoleModel> = {
  planner: { model: "claude-opus-5-5", maxTokens: 16_000 },
  generator: { model: "claude-sonnet-5-5", maxTokens: 16_000 },
  evaluator: { model: "claude-sonnet-5-5", maxTokens: 8_000 },
  judge: { model: "claude-opus-5-5", maxTokens: 8_000 },
};

export function resolveModel(role: ModelRole, ...overrides: Array<Partial<Record<ModelRole, ModelChoice>> | undefined>): RoleModel {
  let out = { ...DEFAULT_MODELS[role] };
  for (const o of overrides) {
    const c = o?.[role];
    if (!c) continue;
    out = { model: c.model ?? out.model, maxTokens: c.maxTokens ?? out.maxTokens };
  }
  return out;
}
