import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import type { ClientClasses } from "@quartermaster/core/aws/clients";

/**
 * The AWS clients of the two functions that take vend requests and decisions (the API and the Slack
 * routes): a request's lookups (OUs, groups, permission sets, the caller), starting its workflow, and
 * publishing its events.
 */
export const REQUEST_CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  ssoAdmin: SSOAdminClient,
  identityStore: IdentitystoreClient,
  sfn: SFNClient,
  eventBridge: EventBridgeClient,
};
