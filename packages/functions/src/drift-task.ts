import { BudgetsClient } from "@aws-sdk/client-budgets";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { assertNever } from "@quartermaster/core/assert-never";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import type { CoreContext } from "@quartermaster/core/context";
import {
  awaitBaseline,
  type CheckItem,
  checkAccount,
  finishCheck,
  startCheck,
} from "@quartermaster/core/drift/check";
import { DRIFT_TASKS, type DriftTask } from "@quartermaster/core/drift/definition";
import { finishRepair, type RepairItem, repairAccount, startRepair } from "@quartermaster/core/drift/repair";
import { toWorkflowError } from "@quartermaster/core/errors";
import { DriftTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways).
 * A check reads Organizations, Budgets and Identity Center, starts the baseline's plan and announces
 * drift; a repair writes where the vend's stages write.
 */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  ssoAdmin: SSOAdminClient,
  identityStore: IdentitystoreClient,
  budgets: BudgetsClient,
  s3: S3Client,
  sfn: SFNClient,
  eventBridge: EventBridgeClient,
};

/** The state each drift task receives (see `lambdaTask` in core). */
export interface DriftTaskEvent {
  executionArn: string;
  state: {
    action?: string;
    checkId?: string;
    repairId?: string;
    check?: { checkId: string };
    repair?: { repairId: string };
    account?: CheckItem | RepairItem;
    error?: { Error: string; Cause?: string };
  };
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`A drift task needs ${what}`);
  return value;
}

/** Runs one drift task against core. */
export async function runDriftTask(ctx: CoreContext, task: DriftTask, event: DriftTaskEvent) {
  const { state, executionArn } = event;
  switch (task) {
    case "startCheck":
      return startCheck(ctx, { checkId: state.checkId }, executionArn);
    case "checkAccount":
      await checkAccount(ctx, need(state.checkId, "checkId"), need(state.account, "account") as CheckItem);
      return {};
    case "awaitBaseline":
      return awaitBaseline(ctx, need(state.checkId ?? state.check?.checkId, "checkId"));
    case "finishCheck":
      return finishCheck(ctx, state, executionArn);
    case "startRepair":
      return startRepair(ctx, need(state.repairId, "repairId"));
    case "repairAccount":
      await repairAccount(
        ctx,
        need(state.repairId, "repairId"),
        need(state.account, "account") as RepairItem,
      );
      return {};
    case "finishRepair":
      return finishRepair(ctx, state, executionArn);
    default:
      return assertNever(task, "task");
  }
}

export function makeDriftTaskHandler(task: DriftTask, source: ContextSource) {
  return withBase<DriftTaskEvent, unknown>(source, async (event, ctx) => {
    const { state } = event;
    ctx.logger.appendKeys({
      executionArn: event.executionArn,
      checkId: state.checkId ?? state.check?.checkId,
      repairId: state.repairId ?? state.repair?.repairId,
      accountId: state.account?.accountId,
      task,
    });
    try {
      return await runDriftTask(ctx, task, event);
    } catch (error) {
      ctx.logger.warn("Task failed", { error });
      throw toWorkflowError(error);
    }
  });
}

/** The deployed handler: one function per task, each told its task by `QM_TASK` (set by the stack). */
export const handler = taskFromEnvironment(DRIFT_TASKS, (task) =>
  makeDriftTaskHandler(task, lambdaContext(DriftTaskEnvSchema, CLIENTS)),
);
