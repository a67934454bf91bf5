import { DescribeAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../packages/local/src/emulator";
import { killLeftovers, npmStart, stop, waitForOutput } from "../support/npm-start";

afterAll(killLeftovers);

describe("npm start with a short lease check", () => {
  it("takes a leased sandbox account back on time: the in-process sweep closes it and parks it", async () => {
    const app = npmStart({
      PORT: String(await freePort()),
      QM_LOCAL_WAIT_MS: "50",
      QM_LOCAL_PERSIST: "off",
      QM_LOCAL_LEASE_CHECK_MS: "300",
    });
    try {
      const [, api, aws] = (await waitForOutput(
        app.child,
        app.output,
        /^ready api=(\S+) aws=(\S+)$/m,
        90_000,
      )) as unknown as [string, string, string];
      const name = `e2e-lease-${Date.now().toString(36)}`;
      const expiresAt = new Date(Date.now() + 3000).toISOString();
      const accepted = (await (
        await fetch(`${api}/accounts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            name,
            email: `aws+${name}@example.com`,
            ou: "Sandbox",
            lease: { expiresAt },
          }),
        })
      ).json()) as { requestId: string; links: { self: string } };

      let record: { status: string; accountId?: string; lease?: { status: string; closureId?: string } } = {
        status: "",
      };
      for (let i = 0; i < 150 && record.lease?.status !== "CLOSED"; i++) {
        await new Promise((r) => setTimeout(r, 200));
        record = (await (await fetch(`${api}${accepted.links.self}`)).json()) as typeof record;
      }

      expect(record).toMatchObject({
        status: "SUCCEEDED",
        lease: { status: "CLOSED", closureId: `closure-${record.accountId}` },
      });
      const closure = (await (await fetch(`${api}/closures/${record.lease?.closureId}`)).json()) as Record<
        string,
        unknown
      >;
      expect(closure).toMatchObject({ status: "CLOSED", trigger: "lease", closedOuPath: "Suspended" });
      const org = new OrganizationsClient({
        region: "us-east-1",
        endpoint: aws,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      const account = (await org.send(new DescribeAccountCommand({ AccountId: record.accountId }))).Account;
      expect(account?.State ?? account?.Status).toBe("SUSPENDED");
      expect(app.output.stdout).toMatch(/Lease ending/);
      expect(app.output.stdout).toMatch(/Account closed/);
    } finally {
      await stop(app.child, "SIGTERM");
    }
  });
});
