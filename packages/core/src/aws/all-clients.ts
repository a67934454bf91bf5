import { AccountClient } from "@aws-sdk/client-account";
import { BudgetsClient } from "@aws-sdk/client-budgets";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import type { ClientClasses } from "./clients";

/**
 * Every client class: for local mode, the seed, tests and the bench, which run every function in one
 * process. A deployed function never imports this module; its entry point names its own classes.
 */
export const ALL_CLIENT_CLASSES: Required<ClientClasses> = {
  organizations: OrganizationsClient,
  ssoAdmin: SSOAdminClient,
  identityStore: IdentitystoreClient,
  budgets: BudgetsClient,
  account: AccountClient,
  sfn: SFNClient,
  eventBridge: EventBridgeClient,
  s3: S3Client,
  cloudFormation: CloudFormationClient,
  ec2: EC2Client,
};
