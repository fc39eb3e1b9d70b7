import { ServiceHeartbeat } from "./heartbeat.js";
import {
  BudgetExceeded, BuildProduced, ContractProposed, ContractReviewed, RunControl, RunRequested, RunTransition,
  SpecProduced, UsageRecorded, UsageReleased, UsageReserved, VerdictProduced, WorkFailed, WorkProgress,
} from "./events.js";
import { CreateRunRequest } from "./run.js";
import { RunLedger, RunState } from "./state.js";
import { BuildRequested, ContractRequested, EvaluationRequested, PlanRequested, ReviewRequested } from "./work.js";

/** Every message by its type tag: the source of the exported JSON Schemas. */
export const MESSAGE_SCHEMAS = {
  "plan.requested": PlanRequested,
  "contract.requested": ContractRequested,
  "build.requested": BuildRequested,
  "review.requested": ReviewRequested,
  "evaluation.requested": EvaluationRequested,
  "run.requested": RunRequested,
  "spec.produced": SpecProduced,
  "contract.proposed": ContractProposed,
  "contract.reviewed": ContractReviewed,
  "build.produced": BuildProduced,
  "verdict.produced": VerdictProduced,
  "usage.reserved": UsageReserved,
  "usage.recorded": UsageRecorded,
  "usage.released": UsageReleased,
  "work.failed": WorkFailed,
  "work.progress": WorkProgress,
  "budget.exceeded": BudgetExceeded,
  "run.control": RunControl,
  "run.transition": RunTransition,
  "service.heartbeat": ServiceHeartbeat,
  "api.create-run": CreateRunRequest,
  "state.run": RunState,
  "state.ledger": RunLedger,
} as const;
