import { Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";

/** One IAM statement: exactly these actions on these resources. */
export function allow(actions: string[], resources: string[]): PolicyStatement {
  return new PolicyStatement({ actions, resources });
}

/** ARNs of Organizations objects, which are global and account-scoped to the management account. */
export function organizationArns(scope: Construct) {
  const account = Stack.of(scope).account;
  return {
    account: `arn:aws:organizations::${account}:account/o-*/*`,
    ou: `arn:aws:organizations::${account}:ou/o-*/ou-*`,
    root: `arn:aws:organizations::${account}:root/o-*/r-*`,
  };
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
