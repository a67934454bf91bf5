import type { RequestPage, RequestView } from "@quartermaster/core/contract";
import { type ApiClient, ApiError, UsageError } from "../client";
import { parseDuration, table } from "../format";
import { acceptedNote, clientFor, type Io, parse, print, requestPath } from "../shared";

async function allFailed(client: ApiClient, sinceMs: number | undefined, now: Date): Promise<RequestView[]> {
  const failed: RequestView[] = [];
  let next: string | undefined;
  do {
    const q = new URLSearchParams({ status: "FAILED", limit: "100", ...(next ? { next } : {}) });
    const page = await client.request<RequestPage>("GET", `/accounts/requests?${q}`);
    failed.push(
      ...page.items.filter(
        (r) => sinceMs === undefined || now.getTime() - Date.parse(r.createdAt) <= sinceMs,
      ),
    );
    next = page.next;
  } while (next);
  return failed;
}

/** `qm retry ID` or `qm retry --all-failed`. */
export async function retry(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    "all-failed": { type: "boolean" },
    since: { type: "string" },
  });
  const client = clientFor(io, values.api);
  if (values["all-failed"]) {
    let sinceMs: number | undefined;
    try {
      sinceMs = values.since ? parseDuration(values.since) : undefined;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const targets = await allFailed(client, sinceMs, io.now());
    const results: { requestId: string; status: string; error?: string }[] = [];
    for (const target of targets) {
      try {
        const view = await client.request<RequestView>("POST", `${requestPath(target.requestId)}/retry`);
        results.push({ requestId: view.requestId, status: view.status });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results.push({ requestId: target.requestId, status: "NOT_RETRIED", error: error.message });
      }
    }
    print(io, values.json, results, () =>
      results.length
        ? table(
            ["REQUEST", "STATUS", "NOTE"],
            results.map((r) => [r.requestId, r.status, r.error ?? ""]),
          )
        : "no failed requests",
    );
    return results.some((r) => r.status === "NOT_RETRIED") ? 1 : 0;
  }
  const id = positionals[0];
  if (!id) throw new UsageError("qm retry needs a request id, or --all-failed");
  const view = await client.request<RequestView>("POST", `${requestPath(id)}/retry`);
  print(io, values.json, view, () => acceptedNote(view.requestId, view.status));
  return 0;
}
