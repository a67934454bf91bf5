import { Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
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

/** The Identity Center instance and identity store (configured, else any of the management account's). */
function identityCenterArns(scope: Construct) {
  const configured = stackConfig().identityCenter;
  const instance = configured.instanceArn ?? "arn:aws:sso:::instance/ssoins-*";
  const instanceId = configured.instanceArn?.split("/").pop() ?? "ssoins-*";
  return {
    instance,
    permissionSet: `arn:aws:sso:::permissionSet/${instanceId}/ps-*`,
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
  const arnOf: Record<ResourceKind, string> = {
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
    allow(grouped, key === "" ? ["*"] : key.split(",").map((kind) => arnOf[kind as ResourceKind])),
  );
}

/** Identity Center ARNs for assignments: the instance, its permission sets, and member accounts. */
export const SSO_ASSIGNMENT_RESOURCES = [
  "arn:aws:sso:::instance/*",
  "arn:aws:sso:::permissionSet/*/*",
  "arn:aws:sso:::account/*",
];

/** IAM's policy variable for the caller's organisation: resolved by IAM at request time, not by JavaScript. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal.
export const PRINCIPAL_ORG_ID = "${aws:PrincipalOrgID}";
