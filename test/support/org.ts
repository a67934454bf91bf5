import { GetGroupIdCommand, IdentitystoreClient } from "@aws-sdk/client-identitystore";
import {
  type Account,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import {
  DescribePermissionSetCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { TEST_REGION } from "./aws-env";

/**
 * The organisation's accounts that use this email, every page read. Tests count accounts by their
 * own unique email, never organisation-wide: other files share the emulator and vend meanwhile.
 */
export async function accountsWithEmail(
  email: string,
  org = new OrganizationsClient({ region: TEST_REGION }),
): Promise<Account[]> {
  const found: Account[] = [];
  let token: string | undefined;
  do {
    const page = await org.send(new ListAccountsCommand({ NextToken: token }));
    found.push(...(page.Accounts ?? []).filter((a) => a.Email?.toLowerCase() === email.toLowerCase()));
    token = page.NextToken;
  } while (token);
  return found;
}

/** An OU's id by its path from the root, read with the SDK alone (not the directory under test). */
export async function ouIdByPath(
  path: string,
  org = new OrganizationsClient({ region: TEST_REGION }),
): Promise<string | undefined> {
  let parent = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
  for (const name of path.split("/")) {
    if (!parent) return undefined;
    let token: string | undefined;
    let found: string | undefined;
    do {
      const page = await org.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parent, NextToken: token }),
      );
      found ??= page.OrganizationalUnits?.find((ou) => ou.Name === name)?.Id;
      token = page.NextToken;
    } while (token && !found);
    parent = found;
  }
  return parent;
}

/**
 * Identity Center as the emulator holds it, read with the SDK alone: the instance, a group's id
 * and the permission sets' ARNs by name, for tests to compute what they expect independently.
 */
export async function identityCenterOf(region = TEST_REGION) {
  const sso = new SSOAdminClient({ region });
  const instance = (await sso.send(new ListInstancesCommand({}))).Instances?.[0];
  const instanceArn = instance?.InstanceArn as string;
  const identityStoreId = instance?.IdentityStoreId as string;
  const arns =
    (await sso.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }))).PermissionSets ?? [];
  const sets = new Map<string, string>();
  for (const arn of arns) {
    const ps = await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
    );
    if (ps.PermissionSet?.Name) sets.set(ps.PermissionSet.Name, arn);
  }
  const groupId = async (name: string) =>
    (
      await new IdentitystoreClient({ region }).send(
        new GetGroupIdCommand({
          IdentityStoreId: identityStoreId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: "displayName", AttributeValue: name } },
        }),
      )
    ).GroupId;
  return { instanceArn, identityStoreId, sets, groupId };
}
