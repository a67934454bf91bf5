import { randomUUID } from "node:crypto";
import type { AnyClientPlugin } from "@quartermaster/core/aws/middleware";
import { operationKey } from "@quartermaster/core/aws/middleware";
import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";

type Boundary = {
  ManagedPolicyArn?: string;
  CustomerManagedPolicyReference?: { Name?: string; Path?: string };
};

/** What the emulator does not keep, for every client of this process (the seed's and the control plane's). */
const boundaries = new Map<string, Boundary>();
const provisionings = new Map<string, { endsAt: number; permissionSetArn: string }>();

/** An answer made here, as the SDK would have parsed it (no HTTP response behind it). */
const answer = (output: object) => ({ output: { ...output, $metadata: {} }, response: undefined });

/** An error as the SDK raises AWS's modelled ones. */
function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 404 } });
}

const options = { step: "initialize", name: "quartermasterLocalIdentityCenter" } as InitializeHandlerOptions;

/**
 * What Identity Center does that moto 5.2 does not:
 * - permissions boundaries (`Put`/`Get`/`DeletePermissionsBoundary...`): moto implements none of the
 *   three; they are kept here, by permission set ARN, and `Get` answers ResourceNotFoundException for
 *   a set without one, as AWS does;
 * - provisioning takes time: moto answers `ProvisionPermissionSet` SUCCEEDED at once and implements
 *   no `DescribePermissionSetProvisioningStatus`; here the provisioning is IN_PROGRESS for `delayMs`
 *   with a request id, then SUCCEEDED, as AWS reports it.
 */
export function identityCenterPlugin(delayMs = 0): AnyClientPlugin {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const operation = operationKey(context.clientName, context.commandName);
    const input = args.input as {
      PermissionSetArn?: string;
      PermissionsBoundary?: Boundary;
      ProvisionPermissionSetRequestId?: string;
    };
    switch (operation) {
      case "SSOAdmin.PutPermissionsBoundaryToPermissionSet":
        boundaries.set(input.PermissionSetArn ?? "", input.PermissionsBoundary ?? {});
        return answer({});
      case "SSOAdmin.DeletePermissionsBoundaryFromPermissionSet":
        boundaries.delete(input.PermissionSetArn ?? "");
        return answer({});
      case "SSOAdmin.GetPermissionsBoundaryForPermissionSet": {
        const boundary = boundaries.get(input.PermissionSetArn ?? "");
        if (!boundary)
          throw awsError("ResourceNotFoundException", "The permission set has no permissions boundary");
        return answer({ PermissionsBoundary: boundary });
      }
      case "SSOAdmin.DescribePermissionSetProvisioningStatus": {
        const id = input.ProvisionPermissionSetRequestId ?? "";
        const known = provisionings.get(id);
        if (!known) throw awsError("ResourceNotFoundException", `No provisioning request ${id}`);
        return answer({
          PermissionSetProvisioningStatus: {
            RequestId: id,
            PermissionSetArn: known.permissionSetArn,
            Status: Date.now() >= known.endsAt ? "SUCCEEDED" : "IN_PROGRESS",
          },
        });
      }
      case "SSOAdmin.DeletePermissionSet":
        boundaries.delete(input.PermissionSetArn ?? "");
        break;
    }
    const result = await next(args);
    if (operation === "SSOAdmin.ProvisionPermissionSet") {
      const requestId = randomUUID();
      provisionings.set(requestId, {
        endsAt: Date.now() + delayMs,
        permissionSetArn: input.PermissionSetArn ?? "",
      });
      const output = result.output as { PermissionSetProvisioningStatus?: Record<string, unknown> };
      output.PermissionSetProvisioningStatus = {
        ...output.PermissionSetProvisioningStatus,
        RequestId: requestId,
        Status: "IN_PROGRESS",
      };
    }
    return result;
  };
  return { applyToStack: (stack) => stack.add(middleware, options) };
}
