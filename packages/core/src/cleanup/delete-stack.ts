import {
  type CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
} from "@aws-sdk/client-cloudformation";
import type { CoreContext } from "../context";
import { settle } from "./stacks";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "clock">;

async function failedResources(cfn: CloudFormationClient, _ctx: Ctx, name: string): Promise<string> {
  const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: name }));
  const failed = (out.StackResources ?? []).filter((r) => r.ResourceStatus === "DELETE_FAILED");
  return (
    failed.map((r) => `${r.LogicalResourceId}: ${r.ResourceStatusReason ?? "no reason given"}`).join("; ") ||
    "no failing resource reported"
  );
}

/**
 * Deletes one stack and waits for it to go: DELETE_FAILED is reported with its failing resources,
 * and retried with FORCE_DELETE_STACK only when configured. Returns the failure, or undefined.
 */
export async function deleteStack(
  cfn: CloudFormationClient,
  ctx: Ctx,
  name: string,
  token: string,
  deadline: number,
): Promise<string | undefined> {
  await cfn.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: token }));
  let stack = await settle(cfn, ctx, name, deadline);
  if (!stack) return undefined;
  if (stack.StackStatus !== "DELETE_FAILED") return `ended ${stack.StackStatus} instead of DELETE_COMPLETE`;
  const reason = await failedResources(cfn, ctx, name);
  if (!ctx.config.cleanup.allowForceDelete) return `DELETE_FAILED: ${reason}`;
  await cfn.send(
    new DeleteStackCommand({
      StackName: name,
      ClientRequestToken: `${token}-force`,
      DeletionMode: "FORCE_DELETE_STACK",
    }),
  );
  stack = await settle(cfn, ctx, name, deadline);
  return stack ? `DELETE_FAILED even with FORCE_DELETE_STACK: ${reason}` : undefined;
}
