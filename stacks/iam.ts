import { ArnFormat, Stack } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import { stackConfig } from "./config";

/** One IAM statement: exactly these actions on these resources. */
export function allow(actions: string[], resources: string[]): PolicyStatement {
  return new PolicyStatement({ actions, resources });
}

/**
 * The account Organizations objects belong to: the management account, which is this stack's account
 * unless Quartermaster runs in a delegated-admin account, where it is `managementRoleArn`'s.
 */
function managementAccount(scope: Construct): string {
  const role = stackConfig().managementRoleArn;
  return role ? (role.split(":")[4] as string) : Stack.of(scope).account;
}

/** ARNs of Organizations objects, which are global and belong to the management account. */
export function organizationArns(scope: Construct) {
  const account = managementAccount(scope);
  return {
    account: `arn:aws:organizations::${account}:account/o-*/*`,
    ou: `arn:aws:organizations::${account}:ou/o-*/ou-*`,
    root: `arn:aws:organizations::${account}:root/o-*/r-*`,
  };
}

/**
 * Identity Center instance ids: an organisation instance's start `ssoins-`, and an instance made
 * in some other ways (an account instance, some older ones) starts `ins-`.
 */
const INSTANCE_ID_PATTERNS = ["ssoins-*", "ins-*"];

/** The Identity Center instance and identity store (configured, else any of the management account's). */
function identityCenterArns(scope: Construct) {
  const configured = stackConfig().identityCenter;
  const configuredId = configured.instanceArn?.split("/").pop();
  const ids = configuredId ? [configuredId] : INSTANCE_ID_PATTERNS;
  return {
    instance: ids.map((id) => `arn:aws:sso:::instance/${id}`),
    permissionSet: ids.map((id) => `arn:aws:sso:::permissionSet/${id}/ps-*`),
    identityStore: `arn:aws:identitystore::${managementAccount(scope)}:identitystore/${configured.identityStoreId ?? "d-*"}`,
    allGroups: "arn:aws:identitystore:::group/*",
  };
}

type ResourceKind =
  | "account"
  | "ou"
  | "root"
  | "instance"
  | "permissionSet"
  | "identityStore"
  | "allGroups"
  | "memberAccount";

/** The resource types each action supports (the Service Authorization Reference); absent means `*` only. */
const RESOURCE_KINDS: Record<string, ResourceKind[]> = {
  "organizations:DescribeAccount": ["account"],
  "organizations:CloseAccount": ["account"],
  "organizations:TagResource": ["account"],
  "organizations:ListTagsForResource": ["account"],
  "organizations:DescribeOrganizationalUnit": ["ou"],
  "organizations:ListParents": ["account", "ou"],
  "organizations:ListOrganizationalUnitsForParent": ["ou", "root"],
  "organizations:ListAccountsForParent": ["ou", "root"],
  "organizations:MoveAccount": ["account", "ou", "root"],
  "sso:ListPermissionSets": ["instance"],
  "sso:DescribePermissionSet": ["instance", "permissionSet"],
  "identitystore:GetGroupId": ["identityStore", "allGroups"],
  "account:ListRegions": ["memberAccount"],
};

/**
 * Statements allowing these AWS API actions, each on the narrowest resources IAM supports for it: the
 * organisation's accounts, OUs and root (of the management account), the Identity Center instance and
 * its permission sets, the identity store. Actions without resource-level permissions get `*`.
 */
export function awsAllow(scope: Construct, actions: string[]): PolicyStatement[] {
  const org = organizationArns(scope);
  const ic = identityCenterArns(scope);
  const arnOf: Record<ResourceKind, string | string[]> = {
    ...org,
    ...ic,
    // The Account Management API names a member account by the organisation it is in.
    memberAccount: `arn:aws:account::${managementAccount(scope)}:account/o-*/*`,
  };
  const groups = new Map<string, string[]>();
  for (const action of actions) {
    const key = (RESOURCE_KINDS[action] ?? []).join(",");
    groups.set(key, [...(groups.get(key) ?? []), action]);
  }
  return [...groups].map(([key, grouped]) =>
    allow(grouped, key === "" ? ["*"] : key.split(",").flatMap((kind) => arnOf[kind as ResourceKind])),
  );
}

/**
 * The ARN pattern of every execution of a state machine, which `states:DescribeExecution` and
 * `states:RedriveExecution` authorise (`arn:aws:states:REGION:ACCOUNT:execution:NAME:*`). The state
 * machine's ARN is a deploy-time token, so its name is split out by CloudFormation, not by JavaScript.
 */
export function executionsOf(scope: Construct, stateMachineArn: string): string {
  const stack = Stack.of(scope);
  const { resourceName } = stack.splitArn(stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
  return stack.formatArn({
    service: "states",
    resource: "execution",
    resourceName: `${resourceName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Identity Center ARNs for assignments: the instance, its permission sets, and member accounts. */
export const SSO_ASSIGNMENT_RESOURCES = [
  "arn:aws:sso:::instance/*",
  "arn:aws:sso:::permissionSet/*/*",
  "arn:aws:sso:::account/*",
];

/**
 * EventBridge Scheduler as a role's trusted principal, for this account's schedules only (the
 * confused-deputy guard AWS recommends: `aws:SourceAccount` on the trust policy).
 */
export function schedulerPrincipal(scope: Construct): ServicePrincipal {
  return new ServicePrincipal("scheduler.amazonaws.com", {
    conditions: { StringEquals: { "aws:SourceAccount": Stack.of(scope).account } },
  });
}

/** IAM's policy variable for the caller's organisation: resolved by IAM at request time, not by JavaScript. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal.
export const PRINCIPAL_ORG_ID = "${aws:PrincipalOrgID}";

/** Identity Store reads of approvals: the caller's user (by SSO user name or email), their email, and group membership. */
const APPROVER_LOOKUPS = [
  "identitystore:GetUserId",
  "identitystore:DescribeUser",
  "identitystore:IsMemberInGroups",
  "identitystore:ListGroupMembershipsForMember",
];

/**
 * What validating a vend request reads (POST /accounts and /vend): the OU, the groups, the permission
 * sets (never the accounts: an email's uniqueness is the table's and CreateAccount's to say); and what deciding an approval reads: the approver's Identity Center user and groups.
 */
export const VEND_REQUEST_LOOKUPS = [
  "organizations:ListRoots",
  "organizations:ListOrganizationalUnitsForParent",
  "organizations:DescribeOrganizationalUnit",
  "organizations:ListParents",
  "sso:ListInstances",
  "sso:ListPermissionSets",
  "sso:DescribePermissionSet",
  "identitystore:GetGroupId",
  ...APPROVER_LOOKUPS,
];

/** What a baseline plan reads of the organisation but the assignments: OUs, accounts, SCPs, groups, permission sets. */
export const BASELINE_STRUCTURE_READS = [
  "organizations:DescribeOrganization",
  "organizations:ListRoots",
  "organizations:ListOrganizationalUnitsForParent",
  "organizations:ListAccountsForParent",
  "organizations:ListPolicies",
  "organizations:DescribePolicy",
  "organizations:ListTargetsForPolicy",
  "sso:ListInstances",
  "sso:ListPermissionSets",
  "sso:DescribePermissionSet",
  "sso:ListManagedPoliciesInPermissionSet",
  "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
  "sso:GetInlinePolicyForPermissionSet",
  "sso:GetPermissionsBoundaryForPermissionSet",
  "identitystore:ListGroups",
  "identitystore:ListUsers",
  "identitystore:ListGroupMemberships",
];

/** What `GET /baseline/export` reads: what a plan reads, the assignments included. */
export const BASELINE_EXPORT_READS = [...BASELINE_STRUCTURE_READS, "sso:ListAccountAssignmentsForPrincipal"];
