import { DescribeAccountCommand, ListRootsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { describe, expect, it } from "vitest";
import { ensureOuPath } from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { unique, useApi } from "../support/plane";
import { runQm } from "../support/qm";

const sandboxOu = unique("CliLease");
const api = useApi({ config: { sandboxOuPaths: [sandboxOu], cleanup: { regions: [TEST_REGION] } } });
const qm = (...argv: string[]) => runQm(api.url, {}, ...argv);

describe("qm vend --lease-hours, qm lease, qm close, qm close status and qm closures", () => {
  it("vends a leased sandbox account, moves its lease, dry-runs and closes it", async () => {
    // This file's own sandbox OU, so its leases and closures are its own.
    const org = new OrganizationsClient({ region: TEST_REGION });
    await ensureOuPath(org, (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string, sandboxOu);
    const name = unique("clilease");

    const vend = await qm(
      "vend",
      "--name",
      name,
      "--email",
      `aws+${name}@example.com`,
      "--ou",
      sandboxOu,
      "--lease-hours",
      "48",
      "--json",
    );
    expect(vend.code).toBe(0);
    const { requestId } = JSON.parse(vend.out);
    await api.plane.runner.idle();

    const listed = await qm("list", "--limit", "100");
    expect(listed.out).toMatch(/LEASE ENDS/);
    const status = await qm("status", requestId, "--json");
    const view = JSON.parse(status.out);
    expect(view.lease.status).toBe("ACTIVE");
    expect(listed.out).toContain(view.lease.expiresAt);

    const moved = await qm("lease", requestId, "--hours", "100");
    expect(moved.code).toBe(0);
    expect(moved.out).toMatch(/lease ACTIVE until/);
    expect((await qm("lease", requestId)).code).toBe(2);

    const dry = await qm("close", view.accountId, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would be cleaned, closed and moved to Suspended/);

    const closed = await qm("close", view.accountId, "--reason", "done with it");
    expect(closed.code).toBe(0);
    expect(closed.out).toContain(`closure-${view.accountId}`);
    await api.plane.runner.idle();

    const shown = await qm("close", "status", `closure-${view.accountId}`);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/CLOSED/);
    expect(shown.out).toMatch(/moved to Suspended/);
    expect((await qm("closures", "--limit", "100")).out).toContain(`closure-${view.accountId}`);
    const account = await org.send(new DescribeAccountCommand({ AccountId: view.accountId }));
    expect(account.Account?.State ?? account.Account?.Status).toBe("SUSPENDED");
    // The API answers 404 (no such account in the organisation): refused, exit 1 (the CLI's exit-code table).
    const unknown = await qm("close", "123");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/404 NOT_FOUND/);
  });
});
