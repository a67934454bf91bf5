import type { ClosureRecord, ClosureStore } from "./closures";
import type { VendRequestRecord } from "./requests/record";
import type { RequestStore } from "./requests/store";

/** An account a SUCCEEDED request vended, and why it is no longer one to use, if it is not. */
export interface VendedAccount {
  accountId: string;
  record: VendRequestRecord;
  /** Set when Quartermaster closed the account, is closing it, or its lease is ending. */
  excluded?: string;
}

/** Requests read per store page: large pages, since every SUCCEEDED request is read. */
const PAGE = 500;

/** Why a closure takes its account out of use: closed, or on its way there (a FAILED closure included). */
export function closureReason(closure: Pick<ClosureRecord, "closureId" | "status">): string {
  return closure.status === "CLOSED"
    ? `closed (closure ${closure.closureId})`
    : `being closed (closure ${closure.closureId} is ${closure.status})`;
}

/** Why a lease takes its account out of use: ending (being cleaned and closed), or ended. */
export function leaseReason(record: Pick<VendRequestRecord, "lease">): string | undefined {
  if (record.lease?.status === "ENDING") return "lease ending (being cleaned and closed)";
  if (record.lease?.status === "CLOSED") return "lease ended (closed)";
  return undefined;
}

/** Every closure's account and status, read once (closures are far fewer than accounts). */
async function closuresByAccount(closures: Pick<ClosureStore, "list">): Promise<Map<string, ClosureRecord>> {
  const byAccount = new Map<string, ClosureRecord>();
  let next: string | undefined;
  do {
    const page = await closures.list({ limit: PAGE, next });
    for (const closure of page.items)
      if (!byAccount.has(closure.accountId)) byAccount.set(closure.accountId, closure);
    next = page.next;
  } while (next);
  return byAccount;
}

/**
 * Every account a SUCCEEDED request vended, newest request first, page by page: what profiles hand
 * out and what drift checks. An account is `excluded` (with the reason) when Quartermaster closed it
 * or is closing it, or when its lease is ending. Only Quartermaster's own records are read: no AWS call.
 */
export async function* vendedAccounts(ctx: {
  store: Pick<RequestStore, "list">;
  closures: Pick<ClosureStore, "list">;
}): AsyncGenerator<VendedAccount[]> {
  const closures = await closuresByAccount(ctx.closures);
  const seen = new Set<string>();
  let next: string | undefined;
  do {
    const page = await ctx.store.list({ status: "SUCCEEDED", limit: PAGE, next });
    const accounts: VendedAccount[] = [];
    for (const record of page.items) {
      const accountId = record.accountId;
      // A request that adopted an account another request vended names the same account: once is enough.
      if (!accountId || seen.has(accountId)) continue;
      seen.add(accountId);
      const closure = closures.get(accountId);
      const excluded = closure ? closureReason(closure) : leaseReason(record);
      accounts.push({ accountId, record, ...(excluded ? { excluded } : {}) });
    }
    if (accounts.length) yield accounts;
    next = page.next;
  } while (next);
}
