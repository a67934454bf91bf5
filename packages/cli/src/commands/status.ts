import type { RequestView } from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { spinnerFrame } from "../format";
import { clientFor, describeRequest, type Io, parse, print, requestPath } from "../shared";

/** A request that ended without its account: exit code 1. */
const ENDED_BADLY = new Set(["FAILED", "REJECTED", "EXPIRED"]);

/** `qm status ID [--watch]`: a request, watched until it ends. */
export async function status(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { watch: { type: "boolean", short: "w" } });
  const id = positionals[0];
  if (!id) throw new UsageError("qm status needs a request id");
  const client = clientFor(io, values.api);
  const path = requestPath(id);
  let view = await client.request<RequestView>("GET", path);
  let frame = 0;
  let lastReported = "";
  while (values.watch && (view.status === "PENDING" || view.status === "RUNNING")) {
    const current = view.steps.map((s) => `${s.name}:${s.status}`).join(",");
    if (io.isTty && !values.json)
      io.err(`\r${spinnerFrame(frame++)} ${view.status} ${view.steps.at(-1)?.name ?? "queued"}`);
    else if (current !== lastReported && !values.json) io.out(describeRequest(view));
    lastReported = current;
    await io.sleep(2000);
    view = await client.request<RequestView>("GET", path);
  }
  if (io.isTty && values.watch && !values.json) io.err("\r");
  print(io, values.json, view, () => describeRequest(view));
  return ENDED_BADLY.has(view.status) ? 1 : 0;
}
