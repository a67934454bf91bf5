import {
  ListGroupMembershipsCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from "@aws-sdk/client-identitystore";
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListPoliciesCommand,
  ListTargetsForPolicyCommand,
} from "@aws-sdk/client-organizations";
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
} from "@aws-sdk/client-sso-admin";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { accountState, childOus, type IdentityCenter, identityCenter, rootId } from "../org/directory";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry">;

const CustomerPolicySchema = z.object({ name: z.string(), path: z.string() });

/** The organisation as a baseline sees it; written to the items bucket between a plan's tasks. */
export const OrgSnapshotSchema = z.object({
  rootId: z.string(),
  managementAccountId: z.string(),
  instanceArn: z.string(),
  identityStoreId: z.string(),
  /** Every OU, parents before children. */
  ous: z.array(z.object({ path: z.string(), id: z.string() })),
  /** Every account, with the OU path it sits in ("" for the root). */
  accounts: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), ou: z.string() })),
  scps: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string().optional(),
      awsManaged: z.boolean(),
      document: z.record(z.string(), z.unknown()),
      /** `Root`, OU paths and account ids. */
      targets: z.array(z.string()),
    }),
  ),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string().optional(),
      /** User names of its members. */
      members: z.array(z.string()),
    }),
  ),
  /** Every Identity Center user name (a member must be one). */
  users: z.array(z.string()),
  permissionSets: z.array(
    z.object({
      arn: z.string(),
      name: z.string(),
      description: z.string().optional(),
      sessionDuration: z.string(),
      relayState: z.string().optional(),
      managedPolicies: z.array(z.string()),
      customerManagedPolicies: z.array(CustomerPolicySchema),
      inlinePolicy: z.record(z.string(), z.unknown()).optional(),
      permissionsBoundary: z
        .union([
          z.object({ managedPolicyArn: z.string() }),
          z.object({ customerManagedPolicy: CustomerPolicySchema }),
        ])
        .optional(),
    }),
  ),
  /** Group assignments (users' own are not the baseline's), by group and permission set name. */
  assignments: z.array(z.object({ group: z.string(), permissionSet: z.string(), accountId: z.string() })),
});
export type OrgSnapshot = z.infer<typeof OrgSnapshotSchema>;
export type SnapshotPermissionSet = OrgSnapshot["permissionSets"][number];

/** Every OU under the root, parents first, with its path. */
export async function readOus(ctx: Ctx, root: string): Promise<OrgSnapshot["ous"]> {
  const ous: OrgSnapshot["ous"] = [];
  const walk = async (parentId: string, prefix: string) => {
    for (const ou of await childOus(ctx, parentId)) {
      if (!ou.Id || !ou.Name) continue;
      const path = prefix ? `${prefix}/${ou.Name}` : ou.Name;
      ous.push({ path, id: ou.Id });
      await walk(ou.Id, path);
    }
  };
  await walk(root, "");
  return ous;
}

async function readAccounts(ctx: Ctx, root: string, ous: OrgSnapshot["ous"]) {
  const accounts: OrgSnapshot["accounts"] = [];
  for (const parent of [{ id: root, path: "" }, ...ous]) {
    const found = await pagedList(
      (token) =>
        ctx.clients.organizations.send(
          new ListAccountsForParentCommand({ ParentId: parent.id, NextToken: token }),
        ),
      (out) => out.Accounts,
    );
    for (const account of found) {
      if (!account.Id) continue;
      accounts.push({
        id: account.Id,
        name: account.Name ?? account.Id,
        status: accountState(account),
        ou: parent.path,
      });
    }
  }
  return accounts;
}

async function readScps(ctx: Ctx, root: string, ous: OrgSnapshot["ous"]): Promise<OrgSnapshot["scps"]> {
  const pathOf = new Map(ous.map((ou) => [ou.id, ou.path]));
  const policies = await pagedList(
    (token) =>
      ctx.clients.organizations.send(
        new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY", NextToken: token }),
      ),
    (out) => out.Policies,
  );
  const scps: OrgSnapshot["scps"] = [];
  for (const summary of policies) {
    if (!summary.Id || !summary.Name) continue;
    const policy = await ctx.clients.organizations.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
    const targets = await pagedList(
      (token) =>
        ctx.clients.organizations.send(
          new ListTargetsForPolicyCommand({ PolicyId: summary.Id, NextToken: token }),
        ),
      (out) => out.Targets,
    );
    scps.push({
      id: summary.Id,
      name: summary.Name,
      description: summary.Description || undefined,
      awsManaged: summary.AwsManaged ?? false,
      document: JSON.parse(policy.Policy?.Content ?? "{}") as Record<string, unknown>,
      targets: targets
        .map((t) =>
          t.Type === "ROOT" || t.TargetId === root
            ? "Root"
            : t.Type === "ACCOUNT"
              ? (t.TargetId as string)
              : (pathOf.get(t.TargetId as string) ?? (t.TargetId as string)),
        )
        .sort(),
    });
  }
  return scps;
}

async function readGroups(ctx: Ctx, ic: IdentityCenter): Promise<Pick<OrgSnapshot, "groups" | "users">> {
  const groups = await pagedList(
    (token) =>
      ctx.clients.identityStore.send(
        new ListGroupsCommand({ IdentityStoreId: ic.identityStoreId, NextToken: token }),
      ),
    (out) => out.Groups,
  );
  const users = await pagedList(
    (token) =>
      ctx.clients.identityStore.send(
        new ListUsersCommand({ IdentityStoreId: ic.identityStoreId, NextToken: token }),
      ),
    (out) => out.Users,
  );
  const userName = new Map(users.map((u) => [u.UserId, u.UserName]));
  const read: OrgSnapshot["groups"] = [];
  for (const group of groups) {
    if (!group.GroupId || !group.DisplayName) continue;
    const memberships = await pagedList(
      (token) =>
        ctx.clients.identityStore.send(
          new ListGroupMembershipsCommand({
            IdentityStoreId: ic.identityStoreId,
            GroupId: group.GroupId,
            NextToken: token,
          }),
        ),
      (out) => out.GroupMemberships,
    );
    read.push({
      id: group.GroupId,
      name: group.DisplayName,
      description: group.Description || undefined,
      members: memberships
        .map((m) => userName.get(m.MemberId?.UserId))
        .filter((name): name is string => name !== undefined)
        .sort(),
    });
  }
  return {
    groups: read,
    users: users
      .map((u) => u.UserName ?? "")
      .filter(Boolean)
      .sort(),
  };
}

/** One permission set, every field a baseline manages (five calls). */
export async function readPermissionSet(
  ctx: Ctx,
  ic: IdentityCenter,
  arn: string,
): Promise<SnapshotPermissionSet> {
  const sso = ctx.clients.ssoAdmin;
  const ids = { InstanceArn: ic.instanceArn, PermissionSetArn: arn };
  const described = (await sso.send(new DescribePermissionSetCommand(ids))).PermissionSet;
  const managed = await pagedList(
    (token) => sso.send(new ListManagedPoliciesInPermissionSetCommand({ ...ids, NextToken: token })),
    (out) => out.AttachedManagedPolicies,
  );
  const customer = await pagedList(
    (token) =>
      sso.send(new ListCustomerManagedPolicyReferencesInPermissionSetCommand({ ...ids, NextToken: token })),
    (out) => out.CustomerManagedPolicyReferences,
  );
  const inline = (await sso.send(new GetInlinePolicyForPermissionSetCommand(ids))).InlinePolicy;
  let boundary: SnapshotPermissionSet["permissionsBoundary"];
  try {
    const out = (await sso.send(new GetPermissionsBoundaryForPermissionSetCommand(ids))).PermissionsBoundary;
    if (out?.ManagedPolicyArn) boundary = { managedPolicyArn: out.ManagedPolicyArn };
    else if (out?.CustomerManagedPolicyReference?.Name)
      boundary = {
        customerManagedPolicy: {
          name: out.CustomerManagedPolicyReference.Name,
          path: out.CustomerManagedPolicyReference.Path ?? "/",
        },
      };
  } catch (error) {
    // AWS answers ResourceNotFoundException for a permission set without a boundary.
    if (!isAwsError(error, "ResourceNotFoundException")) throw error;
  }
  return {
    arn,
    name: described?.Name ?? arn,
    description: described?.Description || undefined,
    sessionDuration: described?.SessionDuration ?? "PT1H",
    relayState: described?.RelayState || undefined,
    managedPolicies: managed.map((p) => p.Arn as string).sort(),
    customerManagedPolicies: customer
      .map((p) => ({ name: p.Name as string, path: p.Path ?? "/" }))
      .sort((a, b) => `${a.path}${a.name}`.localeCompare(`${b.path}${b.name}`)),
    inlinePolicy: inline ? (JSON.parse(inline) as Record<string, unknown>) : undefined,
    permissionsBoundary: boundary,
  };
}

async function readPermissionSets(ctx: Ctx, ic: IdentityCenter) {
  const arns = await pagedList(
    (token) =>
      ctx.clients.ssoAdmin.send(
        new ListPermissionSetsCommand({ InstanceArn: ic.instanceArn, NextToken: token }),
      ),
    (out) => out.PermissionSets,
  );
  const sets: SnapshotPermissionSet[] = [];
  for (const arn of arns) sets.push(await readPermissionSet(ctx, ic, arn));
  return sets;
}

/**
 * Everything a plan compares but the assignments: the OU tree, every account and where it sits,
 * the SCPs and their targets, the groups with their members, the permission sets with their policies.
 * The assignments are read a group at a time (`readGroupAssignments`), by the plan's fan-out.
 */
export async function readStructure(ctx: Ctx): Promise<Omit<OrgSnapshot, "assignments">> {
  const root = await rootId(ctx);
  const ic = await identityCenter(ctx);
  const ous = await readOus(ctx, root);
  const organization = await ctx.clients.organizations.send(new DescribeOrganizationCommand({}));
  return {
    rootId: root,
    managementAccountId: organization.Organization?.MasterAccountId ?? "",
    instanceArn: ic.instanceArn,
    identityStoreId: ic.identityStoreId,
    ous,
    accounts: await readAccounts(ctx, root, ous),
    scps: await readScps(ctx, root, ous),
    ...(await readGroups(ctx, ic)),
    permissionSets: await readPermissionSets(ctx, ic),
  };
}

/** One group's account assignments, by permission set name (the group's whole organisation, one paged call). */
export async function readGroupAssignments(
  ctx: Ctx,
  structure: Pick<OrgSnapshot, "instanceArn" | "permissionSets">,
  group: { id: string; name: string },
): Promise<OrgSnapshot["assignments"]> {
  const setName = new Map(structure.permissionSets.map((p) => [p.arn, p.name]));
  const found = await pagedList(
    (token) =>
      ctx.clients.ssoAdmin.send(
        new ListAccountAssignmentsForPrincipalCommand({
          InstanceArn: structure.instanceArn,
          PrincipalId: group.id,
          PrincipalType: "GROUP",
          NextToken: token,
        }),
      ),
    (out) => out.AccountAssignments,
  );
  return found
    .filter((a) => a.AccountId && a.PermissionSetArn && setName.has(a.PermissionSetArn))
    .map((a) => ({
      group: group.name,
      permissionSet: setName.get(a.PermissionSetArn as string) as string,
      accountId: a.AccountId as string,
    }));
}

/** The whole organisation, read in this process (the export; a plan reads the same in its workflow). */
export async function readOrganisation(ctx: Ctx): Promise<OrgSnapshot> {
  const structure = await readStructure(ctx);
  const assignments: OrgSnapshot["assignments"] = [];
  for (const group of structure.groups)
    assignments.push(...(await readGroupAssignments(ctx, structure, group)));
  return { ...structure, assignments };
}

/** Accounts under an OU path, recursively (the path itself and every OU below it). */
export function accountsUnder(snapshot: Pick<OrgSnapshot, "accounts">, path: string) {
  return snapshot.accounts.filter((a) => a.ou === path || a.ou.startsWith(`${path}/`));
}
