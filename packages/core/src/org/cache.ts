import type { OrganizationalUnit } from "@aws-sdk/client-organizations";
import type { AwsClients } from "../aws/clients";

/**
 * The directory's memory: names to ids (child OUs of a parent, groups, permission sets) and the accounts'
 * emails, each kept for the configured TTL (`directory.ttlSeconds`), per set of clients (one per process in
 * Lambda and local mode). A request's lookups then cost no AWS call while the cache is warm, whatever the
 * organisation's size (DESIGN rule 12). A name that is not found is looked up afresh once before it is
 * called missing, so a new OU, group or permission set is seen at once.
 */
export class TtlMemo<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value for `key`: cached while fresh, else loaded (a failed load is not kept). `fresh` forces a load. */
  get(key: string, load: () => Promise<V>, options: { fresh?: boolean } = {}): Promise<V> {
    const entry = this.entries.get(key);
    if (!options.fresh && entry && this.now() - entry.at < this.ttlMs) return entry.value;
    const value = load();
    if (this.ttlMs > 0) {
      this.entries.set(key, { at: this.now(), value });
      value.catch(() => this.entries.delete(key));
    }
    return value;
  }
}

export interface DirectoryCache {
  childOus: TtlMemo<OrganizationalUnit[]>;
  groupIds: TtlMemo<string | undefined>;
  permissionSets: TtlMemo<Map<string, string>>;
  roots: TtlMemo<string>;
  /** The email of the Identity Center user behind an SSO session, by user name. */
  callerEmails: TtlMemo<string | undefined>;
}

const caches = new WeakMap<object, DirectoryCache>();
const ttls = new WeakMap<object, number>();

/** Sets how long the directory remembers, for the context built on these clients (0: not at all). */
export function setDirectoryTtl(clients: AwsClients, ttlMs: number): void {
  ttls.set(clients, ttlMs);
  caches.delete(clients);
}

/** The directory cache of a context's clients; without a TTL set (unit tests), nothing is kept. */
export function directoryCache(ctx: { clients: AwsClients }): DirectoryCache {
  const existing = caches.get(ctx.clients);
  if (existing) return existing;
  const ttl = ttls.get(ctx.clients) ?? 0;
  const created: DirectoryCache = {
    childOus: new TtlMemo(ttl),
    groupIds: new TtlMemo(ttl),
    permissionSets: new TtlMemo(ttl),
    callerEmails: new TtlMemo(ttl),
    // An organisation's root and management account do not change.
    roots: new TtlMemo(ttl > 0 ? Number.POSITIVE_INFINITY : 0),
  };
  caches.set(ctx.clients, created);
  return created;
}
