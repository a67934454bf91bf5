import { LOCAL_USER_HEADER, type RequestView } from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { clientFor, describeRequest, type Io, parse, print, requestPath } from "../shared";

/**
 * `qm approve ID [--reason R]` and `qm reject ID --reason R`. In AWS the approver is the Identity
 * Center user behind the caller's SSO credentials; against local mode, `--as EMAIL` (or
 * QM_LOCAL_USER) names them.
 */
export async function decide(action: "approve" | "reject", args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { reason: { type: "string" }, as: { type: "string" } });
  const id = positionals[0];
  if (!id) throw new UsageError(`qm ${action} needs a request id`);
  if (action === "reject" && !values.reason) throw new UsageError("qm reject needs --reason");
  const view = await clientFor(io, values.api).request<RequestView>(
    "POST",
    `${requestPath(id)}/${action}`,
    values.reason ? { reason: values.reason } : {},
    values.as ? { [LOCAL_USER_HEADER]: values.as } : {},
  );
  print(io, values.json, view, () => describeRequest(view));
  return 0;
}
