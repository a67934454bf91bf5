import { ArnFormat } from "aws-cdk-lib";
import type { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { DefinitionBody, StateMachine, StateMachineType } from "aws-cdk-lib/aws-stepfunctions";
import { Function as SstFunction, type Stack } from "sst/constructs";
import type { AslDefinition } from "../packages/core/src/workflow/asl";
import { allow } from "./iam";

/**
 * A Standard state machine whose Task states invoke one least-privilege function per task,
 * built from the same ASL definition the local runner executes.
 */
export function taskWorkflow<T extends string>(
  stack: Stack,
  options: {
    /** Prefix of the functions' construct ids (`Vend` -> `Vend-createAccount`). */
    id: string;
    /** Construct id and deployed name of the state machine. */
    stateMachine: { id: string; name: string };
    tasks: readonly T[];
    /** `packages/functions/src/<file>`, exporting `handler`, which runs the task named by `QM_TASK`. */
    handlerFile: string;
    permissions: Record<T, PolicyStatement[]>;
    environment: Record<string, string>;
    timeouts?: Partial<Record<T, number>>;
    /** Lambda concurrency reserved per task (a fan-out's item task: its map's concurrency). */
    reservedConcurrency?: Partial<Record<T, number>>;
    managementRoleArn?: string;
    definition: (arns: Record<T, string>) => AslDefinition;
  },
) {
  const functions = {} as Record<T, SstFunction>;
  for (const task of options.tasks) {
    const assume = options.managementRoleArn ? [allow(["sts:AssumeRole"], [options.managementRoleArn])] : [];
    functions[task] = new SstFunction(stack, `${options.id}-${task}`, {
      handler: `${options.handlerFile}.handler`,
      environment: { ...options.environment, QM_TASK: task },
      permissions: [...options.permissions[task], ...assume],
      timeout: options.timeouts?.[task] ?? 60,
      ...(options.reservedConcurrency?.[task] === undefined
        ? {}
        : { reservedConcurrentExecutions: options.reservedConcurrency[task] }),
    });
  }
  const arns = {} as Record<T, string>;
  for (const task of options.tasks) arns[task] = functions[task].functionArn;
  const stateMachine = new StateMachine(stack, options.stateMachine.id, {
    stateMachineName: options.stateMachine.name,
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromString(JSON.stringify(options.definition(arns))),
  });
  for (const fn of Object.values<SstFunction>(functions)) fn.grantInvoke(stateMachine);
  return { stateMachine, functions };
}

/**
 * What a state machine with the fan-out engine's Distributed Map needs: to read its own items (the
 * ItemReader), and to start, describe and stop its own children (the map's child executions).
 */
export function allowFanOut(
  stack: Stack,
  stateMachine: StateMachine,
  options: { name: string; items: string },
) {
  const arn = (resource: "stateMachine" | "execution", resourceName: string) =>
    stack.formatArn({ service: "states", resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  stateMachine.addToRolePolicy(allow(["s3:GetObject"], [options.items]));
  stateMachine.addToRolePolicy(allow(["states:StartExecution"], [arn("stateMachine", options.name)]));
  stateMachine.addToRolePolicy(
    allow(["states:DescribeExecution", "states:StopExecution"], [arn("execution", `${options.name}/*`)]),
  );
}
