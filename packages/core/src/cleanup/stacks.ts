import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type Stack,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import { isAwsError } from "../aws/classify";
import type { CoreContext } from "../context";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "clock">;

/** Every stack status but DELETE_COMPLETE: what ListStacks is asked for. */
export const LIVE_STATUSES: StackStatus[] = [
  "CREATE_IN_PROGRESS",
  "CREATE_FAILED",
  "CREATE_COMPLETE",
  "ROLLBACK_IN_PROGRESS",
  "ROLLBACK_FAILED",
  "ROLLBACK_COMPLETE",
  "DELETE_IN_PROGRESS",
  "DELETE_FAILED",
  "UPDATE_IN_PROGRESS",
  "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_COMPLETE",
  "UPDATE_FAILED",
  "UPDATE_ROLLBACK_IN_PROGRESS",
  "UPDATE_ROLLBACK_FAILED",
  "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_ROLLBACK_COMPLETE",
  "REVIEW_IN_PROGRESS",
  "IMPORT_IN_PROGRESS",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_IN_PROGRESS",
  "IMPORT_ROLLBACK_FAILED",
  "IMPORT_ROLLBACK_COMPLETE",
];

/** Export names a template imports: `Fn::ImportValue` (JSON) or `!ImportValue` / `Fn::ImportValue:` (YAML) with literal names. */
export function importsOf(templateBody: string): string[] {
  const found = new Set<string>();
  try {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "Fn::ImportValue" && typeof v === "string") found.add(v);
          else walk(v);
        }
      }
    };
    walk(JSON.parse(templateBody));
  } catch {
    // Not JSON: CloudFormation also accepts YAML, where a literal import is on one line.
    for (const m of templateBody.matchAll(/(?:!ImportValue|Fn::ImportValue:)\s+["']?([\w:.-]+)["']?/g))
      found.add(m[1] as string);
  }
  return [...found];
}

/** A stack as it is now; undefined once it is deleted. */
export async function describeStack(
  cfn: CloudFormationClient,
  _ctx: Ctx,
  name: string,
): Promise<Stack | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    return stack?.StackStatus === "DELETE_COMPLETE" ? undefined : stack;
  } catch (error) {
    // CloudFormation answers ValidationError "Stack with id X does not exist" for a deleted stack.
    if (isAwsError(error, "ValidationError") && /does not exist/.test(String((error as Error).message))) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Whether a stack is mid-operation and will change on its own. REVIEW_IN_PROGRESS (a change set
 * created but never executed) never changes by itself, so it is not waited for: it can be deleted now.
 */
export function changesOnItsOwn(status: string | undefined): boolean {
  return status?.endsWith("_IN_PROGRESS") === true && status !== "REVIEW_IN_PROGRESS";
}
