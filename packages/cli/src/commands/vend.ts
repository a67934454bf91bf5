import type { VendAccepted } from "@quartermaster/core/contract";
import { VEND_FLAGS, vendBodyFromFlags } from "@quartermaster/core/vending/flags";
import { UsageError } from "../client";
import { acceptedNote, clientFor, type Io, parse, print } from "../shared";

/** `qm vend`: submits a vend request (the same flags as Slack's `/vend`, one parser for both). */
export async function vend(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...VEND_FLAGS, "idempotency-key": { type: "string" } });
  const { body, issues } = vendBodyFromFlags(values);
  if (issues.length) throw new UsageError(issues.map((i) => `${i.path} ${i.message}`).join("; "));
  const key = values["idempotency-key"];
  const res = await clientFor(io, values.api).request<VendAccepted>(
    "POST",
    "/accounts",
    body,
    key ? { "idempotency-key": key } : {},
  );
  print(io, values.json, res, () => acceptedNote(res.requestId, res.status));
  return 0;
}
