import { type Account, ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
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
