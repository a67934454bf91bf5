import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  DeleteGroupCommand,
  DeleteGroupMembershipCommand,
  GetGroupIdCommand,
  GetUserIdCommand,
  ListGroupMembershipsCommand,
  UpdateGroupCommand,
} from "@aws-sdk/client-identitystore";
import {
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DeleteOrganizationalUnitCommand,
  DeletePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import {
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DeletePermissionSetCommand,
  DeletePermissionsBoundaryFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachCustomerManagedPolicyReferenceFromPermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  PutPermissionsBoundaryToPermissionSetCommand,
  UpdatePermissionSetCommand,
} from "@aws-sdk/client-sso-admin";
import { isAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import { canonicalJson } from "../canonical-json";
import type { CoreContext } from "../context";
import { BaselineChangeError } from "../errors";
import { childOus, type IdentityCenter, identityCenter, rootId } from "../org/directory";
import type { Change, Pending } from "../store/baseline-plans";
import type { permissionSetFields } from "./diff";
import { readPermissionSet } from "./read";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry">;

type PermissionSetAfter = ReturnType<typeof permissionSetFields> & { name: string; description?: string };

/**
 * Names to ids, read as an apply needs them and remembered for one task: OU paths, SCP names, group
 * and user names, permission set names. What the apply creates is remembered as it creates it.
 */
export class Names {
  private readonly ous = new Map<string, string>();
  private scps?: Map<string, string>;
  private sets?: Map<string, string>;
  private readonly groups = new Map<string, string>();

  constructor(
    private readonly ctx: Ctx,
    readonly ic: IdentityCenter,
    readonly root: string,
  ) {}

  static async of(ctx: Ctx): Promise<Names> {
    return new Names(ctx, await identityCenter(ctx), await rootId(ctx));
  }

  /** The OU at `path`, or undefined when some OU on the way does not exist. */
  async ouId(path: string): Promise<string | undefined> {
    if (path === "") return this.root;
    const known = this.ous.get(path);
    if (known) return known;
    const names = path.split("/");
    const parent = await this.ouId(names.slice(0, -1).join("/"));
    if (!parent) return undefined;
    const found = (await childOus(this.ctx, parent)).find((ou) => ou.Name === names.at(-1))?.Id;
    if (found) this.ous.set(path, found);
    return found;
  }

  rememberOu(path: string, id: string) {
    this.ous.set(path, id);
  }

  forgetOu(path: string) {
    this.ous.delete(path);
  }

  async scpId(name: string, fresh = false): Promise<string | undefined> {
    if (!this.scps || fresh) {
      const policies = await pagedList(
        (token) =>
          this.ctx.clients.organizations.send(
            new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY", NextToken: token }),
          ),
        (out) => out.Policies,
      );
      this.scps = new Map(policies.map((p) => [p.Name as string, p.Id as string]));
    }
    return this.scps.get(name);
  }

  async target(target: string): Promise<string | undefined> {
    if (target === "Root") return this.root;
    if (/^\d{12}$/.test(target)) return target;
    return this.ouId(target);
  }

  async groupId(name: string): Promise<string | undefined> {
    const known = this.groups.get(name);
    if (known) return known;
    try {
      const out = await this.ctx.clients.identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: this.ic.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: "displayName", AttributeValue: name } },
        }),
      );
      if (out.GroupId) this.groups.set(name, out.GroupId);
      return out.GroupId;
    } catch (error) {
      if (isAwsError(error, "ResourceNotFoundException")) return undefined;
      throw error;
    }
  }

  async userId(userName: string): Promise<string | undefined> {
    try {
      const out = await this.ctx.clients.identityStore.send(
        new GetUserIdCommand({
          IdentityStoreId: this.ic.identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: userName } },
        }),
      );
      return out.UserId;
    } catch (error) {
      if (isAwsError(error, "ResourceNotFoundException")) return undefined;
      throw error;
    }
  }

  async permissionSetArn(name: string, fresh = false): Promise<string | undefined> {
    if (!this.sets || (fresh && !this.sets.has(name))) {
      const arns = await pagedList(
        (token) =>
          this.ctx.clients.ssoAdmin.send(
            new ListPermissionSetsCommand({ InstanceArn: this.ic.instanceArn, NextToken: token }),
          ),
        (out) => out.PermissionSets,
      );
      const sets = new Map<string, string>();
      for (const arn of arns) {
        const out = await this.ctx.clients.ssoAdmin.send(
          new DescribePermissionSetCommand({ InstanceArn: this.ic.instanceArn, PermissionSetArn: arn }),
        );
        if (out.PermissionSet?.Name) sets.set(out.PermissionSet.Name, arn);
      }
      this.sets = sets;
    }
    return this.sets.get(name);
  }

  rememberPermissionSet(name: string, arn: string) {
    this.sets?.set(name, arn);
  }
}

/** What applying one change left Identity Center doing, to be awaited before the next kind of change. */
export type Applied = { pending?: Pending };

async function enableScps(ctx: Ctx, names: Names) {
  const root = (await ctx.clients.organizations.send(new ListRootsCommand({}))).Roots?.find(
    (r) => r.Id === names.root,
  );
  if (root?.PolicyTypes?.some((t) => t.Type === "SERVICE_CONTROL_POLICY" && t.Status === "ENABLED")) return;
  try {
    await ctx.clients.organizations.send(
      new EnablePolicyTypeCommand({ RootId: names.root, PolicyType: "SERVICE_CONTROL_POLICY" }),
    );
  } catch (error) {
    if (!isAwsError(error, "PolicyTypeAlreadyEnabledException")) throw error;
  }
}

async function applyOu(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  const { path } = (change.after as { path: string } | undefined) ?? (change.before as { path: string });
  if (change.action === "delete") {
    const id = await names.ouId(path);
    if (!id) return {};
    try {
      await ctx.clients.organizations.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: id }));
      names.forgetOu(path);
    } catch (error) {
      if (isAwsError(error, "OrganizationalUnitNotFoundException")) return {};
      if (isAwsError(error, "OrganizationalUnitNotEmptyException"))
        throw new BaselineChangeError(change.key, `The OU ${path} is not empty: it was not deleted`, {
          cause: error,
        });
      throw error;
    }
    return {};
  }
  if (await names.ouId(path)) return {};
  const parentPath = path.split("/").slice(0, -1).join("/");
  const parent = await names.ouId(parentPath);
  if (!parent) throw new BaselineChangeError(change.key, `The OU ${parentPath} does not exist`);
  try {
    const out = await ctx.clients.organizations.send(
      new CreateOrganizationalUnitCommand({ ParentId: parent, Name: path.split("/").at(-1) }),
    );
    if (out.OrganizationalUnit?.Id) names.rememberOu(path, out.OrganizationalUnit.Id);
  } catch (error) {
    if (!isAwsError(error, "DuplicateOrganizationalUnitException")) throw error;
  }
  return {};
}

async function applyScp(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  if (change.action === "delete") {
    const { name } = change.before as { name: string };
    const id = await names.scpId(name);
    if (!id) return {};
    const targets = await pagedList(
      (token) =>
        ctx.clients.organizations.send(new ListTargetsForPolicyCommand({ PolicyId: id, NextToken: token })),
      (out) => out.Targets,
    );
    for (const target of targets) {
      try {
        await ctx.clients.organizations.send(
          new DetachPolicyCommand({ PolicyId: id, TargetId: target.TargetId }),
        );
      } catch (error) {
        if (!isAwsError(error, "PolicyNotAttachedException")) throw error;
      }
    }
    try {
      await ctx.clients.organizations.send(new DeletePolicyCommand({ PolicyId: id }));
    } catch (error) {
      if (!isAwsError(error, "PolicyNotFoundException")) throw error;
    }
    return {};
  }
  const after = change.after as { name: string; description?: string; document: object };
  const content = JSON.stringify(after.document);
  const id = await names.scpId(after.name, true);
  if (id) {
    await ctx.clients.organizations.send(
      new UpdatePolicyCommand({ PolicyId: id, Content: content, Description: after.description ?? "" }),
    );
    return {};
  }
  await enableScps(ctx, names);
  try {
    await ctx.clients.organizations.send(
      new CreatePolicyCommand({
        Name: after.name,
        Description: after.description ?? "",
        Content: content,
        Type: "SERVICE_CONTROL_POLICY",
      }),
    );
  } catch (error) {
    if (isAwsError(error, "DuplicatePolicyException"))
      return applyScp(ctx, names, { ...change, action: "update" });
    if (
      isAwsError(error, "ConstraintViolationException") ||
      isAwsError(error, "MalformedPolicyDocumentException")
    )
      throw new BaselineChangeError(
        change.key,
        `Organizations refused the policy ${after.name}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    throw error;
  }
  await names.scpId(after.name, true);
  return {};
}

async function applyScpTarget(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  const { policy, target } = (change.after ?? change.before) as { policy: string; target: string };
  const policyId = await names.scpId(policy, true);
  const targetId = await names.target(target);
  if (!policyId || !targetId) {
    if (change.action === "delete") return {};
    throw new BaselineChangeError(change.key, `The policy ${policy} or the target ${target} does not exist`);
  }
  try {
    await ctx.clients.organizations.send(
      change.action === "delete"
        ? new DetachPolicyCommand({ PolicyId: policyId, TargetId: targetId })
        : new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }),
    );
  } catch (error) {
    if (
      isAwsError(error, "DuplicatePolicyAttachmentException") ||
      isAwsError(error, "PolicyNotAttachedException")
    )
      return {};
    if (isAwsError(error, "ConstraintViolationException"))
      throw new BaselineChangeError(
        change.key,
        `Organizations refused to attach ${policy} to ${target} (a target holds at most 5 SCPs): ${(error as Error).message}`,
        { cause: error },
      );
    throw error;
  }
  return {};
}

async function applyGroup(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  const ids = ctx.clients.identityStore;
  const { name, description } = (change.after ?? change.before) as { name: string; description?: string };
  const id = await names.groupId(name);
  if (change.action === "delete") {
    if (id) {
      try {
        await ids.send(new DeleteGroupCommand({ IdentityStoreId: names.ic.identityStoreId, GroupId: id }));
      } catch (error) {
        if (!isAwsError(error, "ResourceNotFoundException")) throw error;
      }
    }
    return {};
  }
  if (!id) {
    await ids.send(
      new CreateGroupCommand({
        IdentityStoreId: names.ic.identityStoreId,
        DisplayName: name,
        Description: description,
      }),
    );
    return {};
  }
  if (description !== undefined)
    await ids.send(
      new UpdateGroupCommand({
        IdentityStoreId: names.ic.identityStoreId,
        GroupId: id,
        Operations: [{ AttributePath: "description", AttributeValue: description }],
      }),
    );
  return {};
}

async function applyMember(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  const ids = ctx.clients.identityStore;
  const { group, user } = (change.after ?? change.before) as { group: string; user: string };
  const groupId = await names.groupId(group);
  const userId = await names.userId(user);
  if (!groupId || !userId) {
    if (change.action === "delete") return {};
    throw new BaselineChangeError(change.key, `The group ${group} or the user ${user} does not exist`);
  }
  const memberships = await pagedList(
    (token) =>
      ids.send(
        new ListGroupMembershipsCommand({
          IdentityStoreId: names.ic.identityStoreId,
          GroupId: groupId,
          NextToken: token,
        }),
      ),
    (out) => out.GroupMemberships,
  );
  const membership = memberships.find((m) => m.MemberId?.UserId === userId);
  if (change.action === "delete") {
    if (membership?.MembershipId)
      await ids.send(
        new DeleteGroupMembershipCommand({
          IdentityStoreId: names.ic.identityStoreId,
          MembershipId: membership.MembershipId,
        }),
      );
    return {};
  }
  if (!membership)
    await ids.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId: names.ic.identityStoreId,
        GroupId: groupId,
        MemberId: { UserId: userId },
      }),
    );
  return {};
}

const policyKey = (p: { name: string; path: string }) => `${p.path}${p.name}`;

/** Brings one permission set's fields to `after`, each call only where it differs; true when anything changed. */
async function convergePermissionSet(
  ctx: Ctx,
  names: Names,
  arn: string,
  after: PermissionSetAfter,
): Promise<boolean> {
  const sso = ctx.clients.ssoAdmin;
  const ids = { InstanceArn: names.ic.instanceArn, PermissionSetArn: arn };
  const now = await readPermissionSet(ctx, names.ic, arn);
  let changed = false;
  if (
    now.sessionDuration !== after.sessionDuration ||
    (after.relayState !== undefined && now.relayState !== after.relayState) ||
    (after.description !== undefined && now.description !== after.description)
  ) {
    await sso.send(
      new UpdatePermissionSetCommand({
        ...ids,
        SessionDuration: after.sessionDuration,
        RelayState: after.relayState,
        Description: after.description,
      }),
    );
    changed = true;
  }
  for (const policy of after.managedPolicies)
    if (!now.managedPolicies.includes(policy)) {
      await sso.send(new AttachManagedPolicyToPermissionSetCommand({ ...ids, ManagedPolicyArn: policy }));
      changed = true;
    }
  for (const policy of now.managedPolicies)
    if (!after.managedPolicies.includes(policy)) {
      await sso.send(new DetachManagedPolicyFromPermissionSetCommand({ ...ids, ManagedPolicyArn: policy }));
      changed = true;
    }
  const wanted = new Set(after.customerManagedPolicies.map(policyKey));
  const held = new Set(now.customerManagedPolicies.map(policyKey));
  for (const policy of after.customerManagedPolicies)
    if (!held.has(policyKey(policy))) {
      await sso.send(
        new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({
          ...ids,
          CustomerManagedPolicyReference: { Name: policy.name, Path: policy.path },
        }),
      );
      changed = true;
    }
  for (const policy of now.customerManagedPolicies)
    if (!wanted.has(policyKey(policy))) {
      await sso.send(
        new DetachCustomerManagedPolicyReferenceFromPermissionSetCommand({
          ...ids,
          CustomerManagedPolicyReference: { Name: policy.name, Path: policy.path },
        }),
      );
      changed = true;
    }
  if (canonicalJson(now.inlinePolicy ?? null) !== canonicalJson(after.inlinePolicy ?? null)) {
    if (after.inlinePolicy)
      await sso.send(
        new PutInlinePolicyToPermissionSetCommand({
          ...ids,
          InlinePolicy: JSON.stringify(after.inlinePolicy),
        }),
      );
    else await sso.send(new DeleteInlinePolicyFromPermissionSetCommand(ids));
    changed = true;
  }
  if (canonicalJson(now.permissionsBoundary ?? null) !== canonicalJson(after.permissionsBoundary ?? null)) {
    const boundary = after.permissionsBoundary;
    if (!boundary) await sso.send(new DeletePermissionsBoundaryFromPermissionSetCommand(ids));
    else
      await sso.send(
        new PutPermissionsBoundaryToPermissionSetCommand({
          ...ids,
          PermissionsBoundary:
            "managedPolicyArn" in boundary
              ? { ManagedPolicyArn: boundary.managedPolicyArn }
              : {
                  CustomerManagedPolicyReference: {
                    Name: boundary.customerManagedPolicy.name,
                    Path: boundary.customerManagedPolicy.path,
                  },
                },
        }),
      );
    changed = true;
  }
  return changed;
}

async function applyPermissionSet(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  const sso = ctx.clients.ssoAdmin;
  if (change.action === "delete") {
    const { name } = change.before as { name: string };
    const arn = await names.permissionSetArn(name, true);
    if (!arn) return {};
    try {
      await sso.send(
        new DeletePermissionSetCommand({ InstanceArn: names.ic.instanceArn, PermissionSetArn: arn }),
      );
    } catch (error) {
      if (!isAwsError(error, "ResourceNotFoundException")) throw error;
    }
    return {};
  }
  const after = change.after as PermissionSetAfter;
  let arn = await names.permissionSetArn(after.name, true);
  if (!arn) {
    const out = await sso.send(
      new CreatePermissionSetCommand({
        InstanceArn: names.ic.instanceArn,
        Name: after.name,
        Description: after.description,
        SessionDuration: after.sessionDuration,
        RelayState: after.relayState,
      }),
    );
    arn = out.PermissionSet?.PermissionSetArn as string;
    names.rememberPermissionSet(after.name, arn);
  }
  const changed = await convergePermissionSet(ctx, names, arn, after);
  if (!changed) return {};
  // A changed set reaches the accounts it is provisioned to only when it is provisioned again.
  const provisioned = await sso.send(
    new ListAccountsForProvisionedPermissionSetCommand({
      InstanceArn: names.ic.instanceArn,
      PermissionSetArn: arn,
      MaxResults: 1,
    }),
  );
  if ((provisioned.AccountIds ?? []).length === 0) return {};
  const out = await sso.send(
    new ProvisionPermissionSetCommand({
      InstanceArn: names.ic.instanceArn,
      PermissionSetArn: arn,
      TargetType: "ALL_PROVISIONED_ACCOUNTS",
    }),
  );
  const status = out.PermissionSetProvisioningStatus;
  if (status?.Status === "FAILED")
    throw new BaselineChangeError(
      change.key,
      `Provisioning ${after.name} failed: ${status.FailureReason ?? "no reason given"}`,
    );
  if (status?.Status === "IN_PROGRESS" && status.RequestId)
    return { pending: { type: "provisioning", requestId: status.RequestId, key: change.key } };
  return {};
}

async function applyAssignment(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  const { group, permissionSet, accountId } = (change.after ?? change.before) as {
    group: string;
    permissionSet: string;
    accountId: string;
  };
  const groupId = await names.groupId(group);
  const arn = await names.permissionSetArn(permissionSet, true);
  if (!groupId || !arn) {
    if (change.action === "delete") return {};
    throw new BaselineChangeError(
      change.key,
      `The group ${group} or the permission set ${permissionSet} does not exist`,
    );
  }
  const input = {
    InstanceArn: names.ic.instanceArn,
    TargetId: accountId,
    TargetType: "AWS_ACCOUNT" as const,
    PermissionSetArn: arn,
    PrincipalType: "GROUP" as const,
    PrincipalId: groupId,
  };
  if (change.action === "delete") {
    const out = await ctx.clients.ssoAdmin.send(new DeleteAccountAssignmentCommand(input));
    const status = out.AccountAssignmentDeletionStatus;
    if (status?.Status === "FAILED")
      throw new BaselineChangeError(
        change.key,
        `Removing ${change.key} failed: ${status.FailureReason ?? "no reason given"}`,
      );
    return status?.Status === "IN_PROGRESS" && status.RequestId
      ? { pending: { type: "unassignment", requestId: status.RequestId, key: change.key } }
      : {};
  }
  const out = await ctx.clients.ssoAdmin.send(new CreateAccountAssignmentCommand(input));
  const status = out.AccountAssignmentCreationStatus;
  if (status?.Status === "FAILED")
    throw new BaselineChangeError(
      change.key,
      `Assigning ${change.key} failed: ${status.FailureReason ?? "no reason given"}`,
    );
  return status?.Status === "IN_PROGRESS" && status.RequestId
    ? { pending: { type: "assignment", requestId: status.RequestId, key: change.key } }
    : {};
}

/** Applies one change; running it again when it is done changes nothing. */
export async function applyChange(ctx: Ctx, names: Names, change: Change): Promise<Applied> {
  switch (change.kind) {
    case "ou":
      return applyOu(ctx, names, change);
    case "scp":
      return applyScp(ctx, names, change);
    case "scpTarget":
      return applyScpTarget(ctx, names, change);
    case "group":
      return applyGroup(ctx, names, change);
    case "member":
      return applyMember(ctx, names, change);
    case "permissionSet":
      return applyPermissionSet(ctx, names, change);
    case "assignment":
      return applyAssignment(ctx, names, change);
  }
}

/** Whether Identity Center finished a pending operation; FAILED raises with its reason. */
export async function pendingDone(ctx: Ctx, ic: IdentityCenter, pending: Pending): Promise<boolean> {
  const sso = ctx.clients.ssoAdmin;
  const status =
    pending.type === "provisioning"
      ? (
          await sso.send(
            new DescribePermissionSetProvisioningStatusCommand({
              InstanceArn: ic.instanceArn,
              ProvisionPermissionSetRequestId: pending.requestId,
            }),
          )
        ).PermissionSetProvisioningStatus
      : pending.type === "assignment"
        ? (
            await sso.send(
              new DescribeAccountAssignmentCreationStatusCommand({
                InstanceArn: ic.instanceArn,
                AccountAssignmentCreationRequestId: pending.requestId,
              }),
            )
          ).AccountAssignmentCreationStatus
        : (
            await sso.send(
              new DescribeAccountAssignmentDeletionStatusCommand({
                InstanceArn: ic.instanceArn,
                AccountAssignmentDeletionRequestId: pending.requestId,
              }),
            )
          ).AccountAssignmentDeletionStatus;
  if (status?.Status === "FAILED")
    throw new BaselineChangeError(
      pending.key,
      `${pending.key} failed: ${status.FailureReason ?? "no reason given"}`,
    );
  return status?.Status === "SUCCEEDED";
}
