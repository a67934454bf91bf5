import { canonicalJson } from "../canonical-json";
import {
  CHANGE_KINDS,
  type Change,
  type ChangeKind,
  MAX_KEPT_UNMANAGED,
  type PlanSummary,
} from "../store/baseline-plans";
import { BASELINE_LIMITS, type Baseline, declaredOuPaths, type PermissionSetSpec } from "./document";
import { accountsUnder, type OrgSnapshot, type SnapshotPermissionSet } from "./read";

export interface PlanOptions {
  prune: boolean;
  /** The last applied document: a group or permission set it named may be pruned (Quartermaster made it). */
  previous?: Baseline;
  /** OUs the configuration names (sandboxes, the closed OU): never pruned. */
  configuredOus: string[];
}

export interface PlanResult {
  changes: Change[];
  unmanaged: { kind: ChangeKind; key: string }[];
  refused: { key: string; reason: string }[];
  summary: PlanSummary;
}

/** The fields of a permission set a plan compares, as the document has them. */
export function permissionSetFields(spec: PermissionSetSpec | SnapshotPermissionSet) {
  return {
    sessionDuration: spec.sessionDuration,
    relayState: spec.relayState,
    managedPolicies: [...spec.managedPolicies].sort(),
    customerManagedPolicies: [...spec.customerManagedPolicies]
      .map((p) => ({ name: p.name, path: p.path }))
      .sort((a, b) => `${a.path}${a.name}`.localeCompare(`${b.path}${b.name}`)),
    inlinePolicy: spec.inlinePolicy,
    permissionsBoundary: spec.permissionsBoundary,
  };
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Field-by-field differences, for the fields `after` names (an absent description is not managed). */
function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>) {
  return Object.keys(after)
    .filter((field) => !(field === "description" && after[field] === undefined))
    .filter((field) => !same(before[field], after[field]))
    .map((field) => ({ field, before: before[field], after: after[field] }));
}

const depth = (path: string) => path.split("/").length;

const NOT_CREATED = "Quartermaster did not create it: no applied baseline named it";

/**
 * The plan: every change that brings the organisation to the document, in the order an apply runs
 * them (creations and updates kind by kind, OUs first and assignments last; then deletions the other
 * way round), what AWS has that the document does not name (`unmanaged`), and the deletions a prune
 * may never make (`refused`, with the reason).
 */
export function planChanges(doc: Baseline, org: OrgSnapshot, options: PlanOptions): PlanResult {
  const creates: Change[] = [];
  const deletes: Change[] = [];
  const unmanaged: PlanResult["unmanaged"] = [];
  const refused: PlanResult["refused"] = [];
  let unchanged = 0;
  const prunable = (kind: ChangeKind, key: string, before: unknown, reason?: string) => {
    if (!options.prune) unmanaged.push({ kind, key });
    else if (reason) refused.push({ key, reason });
    else deletes.push({ action: "delete", kind, key, before });
  };

  // OUs: the document's paths and every path above them.
  const existingOus = new Set(org.ous.map((ou) => ou.path));
  const wantedOus = declaredOuPaths(doc);
  if (doc.organizationalUnits) {
    for (const path of [...wantedOus].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b))) {
      if (existingOus.has(path)) unchanged++;
      else creates.push({ action: "create", kind: "ou", key: `ou/${path}`, after: { path } });
    }
    const configured = new Set(options.configuredOus);
    // The document owns the trees it names: an OU under none of its top-level OUs is not its to prune.
    const tops = new Set([...wantedOus].map((path) => path.split("/")[0]));
    for (const ou of [...org.ous].sort(
      (a, b) => depth(b.path) - depth(a.path) || a.path.localeCompare(b.path),
    )) {
      if (wantedOus.has(ou.path)) continue;
      if (!tops.has(ou.path.split("/")[0])) {
        unmanaged.push({ kind: "ou", key: `ou/${ou.path}` });
        continue;
      }
      const held = accountsUnder(org, ou.path).length;
      const inside = org.ous.filter((o) => o.path.startsWith(`${ou.path}/`) && wantedOus.has(o.path)).length;
      prunable(
        "ou",
        `ou/${ou.path}`,
        { path: ou.path },
        configured.has(ou.path)
          ? "Quartermaster's configuration names this OU"
          : held > 0
            ? `it still holds ${held} account(s)`
            : inside > 0
              ? "it holds OUs the document keeps"
              : undefined,
      );
    }
  }
  const ouKnown = (path: string) => existingOus.has(path) || wantedOus.has(path);

  // Service control policies (AWS's own, FullAWSAccess, are neither managed nor listed).
  const scpsByName = new Map(org.scps.filter((s) => !s.awsManaged).map((s) => [s.name, s]));
  const attached = new Map<string, number>();
  for (const scp of org.scps) for (const t of scp.targets) attached.set(t, (attached.get(t) ?? 0) + 1);
  const targetKnown = (target: string) =>
    target === "Root" ||
    (/^\d{12}$/.test(target) ? org.accounts.some((a) => a.id === target) : ouKnown(target));
  if (doc.serviceControlPolicies) {
    const named = new Set(doc.serviceControlPolicies.map((s) => s.name));
    const targetChanges: Change[] = [];
    for (const scp of [...doc.serviceControlPolicies].sort((a, b) => a.name.localeCompare(b.name))) {
      const key = `scp/${scp.name}`;
      const existing = scpsByName.get(scp.name);
      const after = { name: scp.name, description: scp.description, document: scp.document };
      if (!existing) creates.push({ action: "create", kind: "scp", key, after });
      else {
        const fields = fieldChanges(
          { description: existing.description, document: existing.document },
          { description: scp.description, document: scp.document },
        );
        if (fields.length > 0)
          creates.push({ action: "update", kind: "scp", key, fields, before: existing, after });
        else unchanged++;
      }
      const have = new Set(existing?.targets ?? []);
      for (const target of [...scp.targets].sort()) {
        const targetKey = `scpTarget/${scp.name}/${target}`;
        if (have.has(target)) unchanged++;
        else if (!targetKnown(target))
          refused.push({
            key: targetKey,
            reason: `the target ${target} does not exist and the document does not declare it`,
          });
        else if ((attached.get(target) ?? 0) >= BASELINE_LIMITS.scpsPerTarget)
          refused.push({
            key: targetKey,
            reason: `${target} already holds ${attached.get(target)} SCPs, AWS's quota per target (${BASELINE_LIMITS.scpsPerTarget})`,
          });
        else {
          attached.set(target, (attached.get(target) ?? 0) + 1);
          targetChanges.push({
            action: "create",
            kind: "scpTarget",
            key: targetKey,
            after: { policy: scp.name, target },
          });
        }
      }
      for (const target of existing?.targets ?? [])
        if (!scp.targets.includes(target))
          prunable("scpTarget", `scpTarget/${scp.name}/${target}`, { policy: scp.name, target });
    }
    creates.push(...targetChanges);
    const previousScps = new Set((options.previous?.serviceControlPolicies ?? []).map((p) => p.name));
    for (const scp of [...scpsByName.values()].sort((a, b) => a.name.localeCompare(b.name)))
      if (!named.has(scp.name))
        prunable(
          "scp",
          `scp/${scp.name}`,
          { name: scp.name, targets: scp.targets },
          previousScps.has(scp.name) ? undefined : NOT_CREATED,
        );
  }

  // Groups and their members.
  const previousGroups = new Set((options.previous?.groups ?? []).map((g) => g.name));
  const groupsByName = new Map(org.groups.map((g) => [g.name, g]));
  const users = new Set(org.users);
  if (doc.groups) {
    const memberChanges: Change[] = [];
    for (const group of [...doc.groups].sort((a, b) => a.name.localeCompare(b.name))) {
      const key = `group/${group.name}`;
      const existing = groupsByName.get(group.name);
      if (!existing)
        creates.push({
          action: "create",
          kind: "group",
          key,
          after: { name: group.name, description: group.description },
        });
      else {
        const fields = fieldChanges(
          { description: existing.description },
          { description: group.description },
        );
        if (fields.length > 0)
          creates.push({ action: "update", kind: "group", key, fields, before: existing, after: group });
        else unchanged++;
      }
      if (!group.members) continue;
      const have = new Set(existing?.members ?? []);
      for (const member of [...group.members].sort()) {
        const memberKey = `member/${group.name}/${member}`;
        if (have.has(member)) unchanged++;
        else if (!users.has(member))
          refused.push({ key: memberKey, reason: `no Identity Center user is named ${member}` });
        else
          memberChanges.push({
            action: "create",
            kind: "member",
            key: memberKey,
            after: { group: group.name, user: member },
          });
      }
      for (const member of existing?.members ?? [])
        if (!group.members.includes(member))
          prunable("member", `member/${group.name}/${member}`, { group: group.name, user: member });
    }
    creates.push(...memberChanges);
    const named = new Set(doc.groups.map((g) => g.name));
    for (const group of [...groupsByName.values()].sort((a, b) => a.name.localeCompare(b.name)))
      if (!named.has(group.name))
        prunable(
          "group",
          `group/${group.name}`,
          { name: group.name },
          previousGroups.has(group.name) ? undefined : NOT_CREATED,
        );
  }

  // Permission sets.
  const managedGroups = new Set((doc.groups ?? []).map((g) => g.name));
  const previousSets = new Set((options.previous?.permissionSets ?? []).map((p) => p.name));
  const setsByName = new Map(org.permissionSets.map((p) => [p.name, p]));
  if (doc.permissionSets) {
    for (const ps of [...doc.permissionSets].sort((a, b) => a.name.localeCompare(b.name))) {
      const key = `permissionSet/${ps.name}`;
      const existing = setsByName.get(ps.name);
      const after = { name: ps.name, description: ps.description, ...permissionSetFields(ps) };
      if (!existing) creates.push({ action: "create", kind: "permissionSet", key, after });
      else {
        const fields = fieldChanges(
          { description: existing.description, ...permissionSetFields(existing) },
          { description: ps.description, ...permissionSetFields(ps) },
        );
        if (fields.length > 0)
          creates.push({ action: "update", kind: "permissionSet", key, fields, before: existing, after });
        else unchanged++;
      }
    }
    const named = new Set(doc.permissionSets.map((p) => p.name));
    for (const ps of [...setsByName.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (named.has(ps.name)) continue;
      // With assignments managed, a prune removes this set's assignments first, but never the management account's.
      // With assignments managed, a prune first removes the named groups' assignments of this set
      // (never the management account's); the other groups' stay.
      const assigned = org.assignments.filter(
        (a) =>
          a.permissionSet === ps.name &&
          (!doc.assignments || !managedGroups.has(a.group) || a.accountId === org.managementAccountId),
      ).length;
      prunable(
        "permissionSet",
        `permissionSet/${ps.name}`,
        { name: ps.name },
        ps.name.startsWith("AWSReservedSSO_")
          ? "AWSReservedSSO_ names belong to Identity Center"
          : !previousSets.has(ps.name)
            ? NOT_CREATED
            : assigned > 0
              ? `it would still be assigned ${assigned} time(s)`
              : undefined,
      );
    }
  }

  // Assignments: every ACTIVE account under each OU, and the accounts named.
  if (doc.assignments) {
    const accounts = new Map(org.accounts.map((a) => [a.id, a]));
    const wanted = new Map<string, { group: string; permissionSet: string; accountId: string }>();
    for (const assignment of doc.assignments) {
      const targets = new Set<string>();
      for (const ou of assignment.ous) {
        if (!ouKnown(ou))
          refused.push({
            key: `assignment/${assignment.group}/*/${ou}`,
            reason: `the OU ${ou} does not exist and the document does not declare it`,
          });
        for (const account of accountsUnder(org, ou))
          if (account.status === "ACTIVE") targets.add(account.id);
      }
      for (const id of assignment.accounts) {
        if (accounts.has(id)) targets.add(id);
        else
          refused.push({
            key: `assignment/${assignment.group}/*/${id}`,
            reason: `no account ${id} is in the organisation`,
          });
      }
      for (const permissionSet of assignment.permissionSets)
        for (const accountId of targets)
          wanted.set(`assignment/${assignment.group}/${permissionSet}/${accountId}`, {
            group: assignment.group,
            permissionSet,
            accountId,
          });
    }
    const have = new Map(
      org.assignments.map((a) => [`assignment/${a.group}/${a.permissionSet}/${a.accountId}`, a]),
    );
    for (const [key, after] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
      if (have.has(key)) unchanged++;
      else creates.push({ action: "create", kind: "assignment", key, after });
    }
    for (const [key, before] of [...have].sort(([a], [b]) => a.localeCompare(b))) {
      if (wanted.has(key)) continue;
      // The document manages the access of the groups it names; another group's is not its to prune.
      if (!managedGroups.has(before.group)) {
        unmanaged.push({ kind: "assignment", key });
        continue;
      }
      prunable(
        "assignment",
        key,
        before,
        before.accountId === org.managementAccountId
          ? "the management account's own access is never pruned (it could lock everyone out)"
          : undefined,
      );
    }
  }

  const order = (kind: ChangeKind) => CHANGE_KINDS.indexOf(kind);
  const sortedCreates = [...creates].sort(
    (a, b) => order(a.kind) - order(b.kind) || (a.action === b.action ? 0 : a.action === "create" ? -1 : 1),
  );
  // Array.prototype.sort is stable: within a kind, the order above (parents first, by key) holds.
  const sortedDeletes = [...deletes].sort((a, b) => order(b.kind) - order(a.kind));
  const changes = [...sortedCreates, ...sortedDeletes];
  const count = (action: Change["action"]) => changes.filter((c) => c.action === action).length;
  return {
    changes,
    unmanaged: unmanaged.slice(0, MAX_KEPT_UNMANAGED),
    refused,
    summary: {
      create: count("create"),
      update: count("update"),
      delete: count("delete"),
      unchanged,
      unmanaged: unmanaged.length,
      refused: refused.length,
    },
  };
}
