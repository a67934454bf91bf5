import { permissionSetFields } from "./diff";
import type { Baseline } from "./document";
import { accountsUnder, type OrgSnapshot } from "./read";

/**
 * The organisation as a baseline document: a plan of it against the same organisation has no
 * changes. An assignment held on every ACTIVE account of an OU (and it has one) is written as that
 * OU, the highest such OU; the rest as accounts. Assignments with the same OUs and accounts share
 * one entry. AWS's own SCPs (FullAWSAccess) are left out: they are not the baseline's.
 */
export function exportBaseline(org: OrgSnapshot): Baseline {
  const ouPaths = org.ous.map((ou) => ou.path);
  const leaves = ouPaths.filter((path) => !ouPaths.some((other) => other.startsWith(`${path}/`))).sort();
  const active = (path: string) =>
    accountsUnder(org, path)
      .filter((a) => a.status === "ACTIVE")
      .map((a) => a.id);

  const byPair = new Map<string, { group: string; permissionSet: string; accounts: Set<string> }>();
  for (const a of org.assignments) {
    const key = `${a.group}\u0000${a.permissionSet}`;
    const entry = byPair.get(key) ?? {
      group: a.group,
      permissionSet: a.permissionSet,
      accounts: new Set<string>(),
    };
    entry.accounts.add(a.accountId);
    byPair.set(key, entry);
  }
  const entries = new Map<
    string,
    { group: string; permissionSets: string[]; ous: string[]; accounts: string[] }
  >();
  for (const { group, permissionSet, accounts } of byPair.values()) {
    const covered = (path: string) => {
      const ids = active(path);
      return ids.length > 0 && ids.every((id) => accounts.has(id));
    };
    // Highest OUs first: an OU whose parent is covered is already written as its parent.
    const ous = [...ouPaths]
      .sort()
      .filter((path) => covered(path))
      .filter((path, _, all) => !all.some((other) => path.startsWith(`${other}/`)));
    const byOu = new Set(ous.flatMap(active));
    const rest = [...accounts].filter((id) => !byOu.has(id)).sort();
    const shape = `${group}\u0000${ous.join(",")}\u0000${rest.join(",")}`;
    const entry = entries.get(shape) ?? { group, permissionSets: [], ous, accounts: rest };
    entry.permissionSets.push(permissionSet);
    entries.set(shape, entry);
  }

  return {
    version: 1,
    organizationalUnits: leaves,
    serviceControlPolicies: org.scps
      .filter((scp) => !scp.awsManaged)
      .map((scp) => ({
        name: scp.name,
        description: scp.description,
        document: scp.document,
        targets: scp.targets,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    groups: org.groups
      .map((g) => ({ name: g.name, description: g.description, members: g.members }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    permissionSets: org.permissionSets
      .map((ps) => ({ name: ps.name, description: ps.description, ...permissionSetFields(ps) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    assignments: [...entries.values()]
      .map((e) => ({
        group: e.group,
        permissionSets: e.permissionSets.sort(),
        ous: e.ous,
        accounts: e.accounts,
      }))
      .sort((a, b) => `${a.group}/${a.permissionSets[0]}`.localeCompare(`${b.group}/${b.permissionSets[0]}`)),
  };
}

/** A document without its undefined fields and empty defaults, as a person would write it. */
export function tidyBaseline(doc: Baseline): Record<string, unknown> {
  const tidy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(tidy);
    if (value && typeof value === "object")
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
          .map(([k, v]) => [k, k === "document" || k === "inlinePolicy" ? v : tidy(v)]),
      );
    return value;
  };
  return { version: 1, ...(tidy(doc) as Record<string, unknown>) };
}
