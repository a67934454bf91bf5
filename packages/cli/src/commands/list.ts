import type { RequestPage } from "@quartermaster/core/contract";
import { table } from "../format";
import { clientFor, type Io, parse, print } from "../shared";

/** `qm list`: requests, newest first. */
export async function list(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { status: { type: "string" }, limit: { type: "string" } });
  const query = new URLSearchParams();
  if (values.status) query.set("status", values.status.toUpperCase());
  if (values.limit) query.set("limit", values.limit);
  const page = await clientFor(io, values.api).request<RequestPage>(
    "GET",
    `/accounts/requests${query.size ? `?${query}` : ""}`,
  );
  print(io, values.json, page, () =>
    table(
      ["REQUEST", "STATUS", "NAME", "ACCOUNT", "CREATED", "LEASE ENDS", "ERROR"],
      page.items.map((r) => [
        r.requestId,
        r.status,
        r.request.name,
        r.accountId ?? "",
        r.createdAt,
        r.lease ? `${r.lease.expiresAt}${r.lease.status === "ACTIVE" ? "" : ` (${r.lease.status})`}` : "",
        r.error?.code ?? "",
      ]),
    ),
  );
  return 0;
}
