import type { VendAccepted } from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { acceptedNote, clientFor, type Io, parse, print, splitPair } from "../shared";

/** `qm vend`: submits a vend request. */
export async function vend(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    name: { type: "string" },
    email: { type: "string" },
    ou: { type: "string" },
    access: { type: "string", multiple: true },
    budget: { type: "string" },
    tag: { type: "string", multiple: true },
    "idempotency-key": { type: "string" },
  });
  for (const flag of ["name", "email", "ou"] as const)
    if (!values[flag]) throw new UsageError(`qm vend needs --${flag}`);
  const access = (values.access ?? []).map((a) => {
    const [group, sets] = splitPair(a, "--access");
    return { group, permissionSets: sets.split(",").filter(Boolean) };
  });
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !Number.isFinite(budget))
    throw new UsageError(`--budget takes a number of USD, got "${values.budget}"`);
  const body = {
    name: values.name,
    email: values.email,
    ou: values.ou,
    ...(access.length ? { access } : {}),
    ...(budget !== undefined ? { budget: { monthlyLimitUsd: budget } } : {}),
    ...(values.tag?.length ? { tags: Object.fromEntries(values.tag.map((t) => splitPair(t, "--tag"))) } : {}),
  };
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
