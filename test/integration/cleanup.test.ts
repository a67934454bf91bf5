import { DescribeStacksCommand, ListStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CloseAccountCommand,
  DescribeOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topicTemplate } from "../../packages/local/src/reference-org";
import {
  ensureAccount,
  ensureOuPath,
  ensureStack,
  memberCloudFormation,
} from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { call, serveApi, testPlane, unique } from "../support/plane";

const REGIONS = ["us-east-1", "eu-west-1"];
const org = new OrganizationsClient({ region: TEST_REGION });
const sandboxOu = unique("SandboxT");
const workloadOu = unique("WorkloadT");

/** Stacks seeded in every account and region, with what must happen to them in a sandbox. */
const STACKS = [
  { name: "app-network", exportName: "net", expect: "deleted" },
  { name: "app-service", importName: "net", expect: "deleted" },
  { name: "scratch", expect: "deleted" },
  { name: "StackSet-baseline-0001", expect: "skipped" },
  { name: "aws-controltower-BaselineConfig", expect: "skipped" },
  { name: "CDKToolkit", expect: "skipped" },
  { name: "termination-protected", terminationProtection: true, expect: "skipped" },
  { name: "tagged-keep", tags: { "quartermaster:protect": "true" }, expect: "skipped" },
  { name: "keep-vpn", expect: "skipped" },
] as const;

const accounts: Record<string, string> = {};
const plane = testPlane({
  config: { sandboxOuPaths: [sandboxOu], cleanup: { regions: REGIONS, protectPatterns: ["keep-*"] } },
});
let api: Awaited<ReturnType<typeof serveApi>>;

async function seedAccount(label: string, ouPath: string) {
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ouId = await ensureOuPath(org, rootId, ouPath);
  const name = unique(label);
  const id = await ensureAccount(org, rootId, { name, email: `aws+${name}@example.com` }, ouId);
  for (const region of REGIONS) {
    const cfn = await memberCloudFormation(region, id);
    for (const stack of STACKS) {
      // Export names are per account and region, so the same names repeat safely across accounts.
      await ensureStack(cfn, {
        name: stack.name,
        template: topicTemplate({
          exportName: "exportName" in stack ? stack.exportName : undefined,
          importName: "importName" in stack ? stack.importName : undefined,
        }),
        tags: "tags" in stack ? stack.tags : {},
        terminationProtection: "terminationProtection" in stack,
      });
    }
  }
  accounts[label] = id;
}

async function liveStacks(accountId: string, region: string): Promise<string[]> {
  const cfn = await memberCloudFormation(region, accountId);
  const out = await cfn.send(new ListStacksCommand({}));
  return (out.StackSummaries ?? [])
    .filter((s) => s.StackStatus !== "DELETE_COMPLETE")
    .map((s) => s.StackName as string)
    .sort();
}

async function runToEnd(body: unknown) {
  const started = await call(api.url, "POST", "/cleanup/runs", body);
  await plane.runner.idle();
  return { started, run: (await call(api.url, "GET", started.body.links.self)).body };
}

beforeAll(async () => {
  api = await serveApi(plane);
  await seedAccount("sbx-top", sandboxOu);
  await seedAccount("sbx-nested", `${sandboxOu}/Team/Nested`);
  await seedAccount("workload", workloadOu);
  await seedAccount("sbx-closed", sandboxOu);
  await org.send(new CloseAccountCommand({ AccountId: accounts["sbx-closed"] }));
}, 120_000);
afterAll(async () => {
  await api.close();
});

describe("sandbox clean-up against the emulator", () => {
  it("dry-run reports what it would delete and deletes nothing", async () => {
    const before = await liveStacks(accounts["sbx-top"] as string, "us-east-1");

    const { started, run } = await runToEnd({ dryRun: true });

    expect(started.status).toBe(202);
    expect(run.status).toBe("SUCCEEDED");
    expect(run.dryRun).toBe(true);
    const top = run.accounts.find((a: { accountId: string }) => a.accountId === accounts["sbx-top"]);
    expect(top.regions.map((r: { region: string }) => r.region)).toEqual(REGIONS);
    expect(top.regions[0].deleted).toEqual(["app-service", "app-network", "scratch"]);
    expect(await liveStacks(accounts["sbx-top"] as string, "us-east-1")).toEqual(before);
  });

  it("deletes only unprotected sandbox stacks, importers first, in every region and nested OU, and reports it", async () => {
    const { run } = await runToEnd({ dryRun: false });

    expect(run.status).toBe("SUCCEEDED");
    expect(run.accounts.map((a: { accountId: string }) => a.accountId).sort()).toEqual(
      [accounts["sbx-top"], accounts["sbx-nested"]].sort(),
    );
    const kept = STACKS.filter((s) => s.expect === "skipped")
      .map((s) => s.name)
      .sort();
    for (const label of ["sbx-top", "sbx-nested"]) {
      const report = run.accounts.find((a: { accountId: string }) => a.accountId === accounts[label]);
      for (const region of REGIONS) {
        expect(await liveStacks(accounts[label] as string, region), `${label} ${region}`).toEqual(kept);
        const regionReport = report.regions.find((r: { region: string }) => r.region === region);
        // In the order the deletions ended: the importer always before the stack it imports from.
        expect([...regionReport.deleted].sort()).toEqual(["app-network", "app-service", "scratch"]);
        expect(regionReport.deleted.indexOf("app-service")).toBeLessThan(
          regionReport.deleted.indexOf("app-network"),
        );
        expect(regionReport.inProgress).toBeUndefined();
        expect(regionReport.skipped.map((s: { stack: string }) => s.stack).sort()).toEqual(kept);
        expect(regionReport.failed).toEqual([]);
      }
    }
    const protectedReasons = run.accounts[0].regions[0].skipped.map((s: { reason: string }) => s.reason);
    expect(protectedReasons).toEqual(
      expect.arrayContaining([
        "termination protection is enabled",
        "tagged quartermaster:protect=true",
        "protected by configured pattern keep-*",
      ]),
    );
    for (const region of REGIONS) {
      expect(await liveStacks(accounts.workload as string, region)).toHaveLength(STACKS.length);
    }
    const cfn = await memberCloudFormation("us-east-1", accounts["sbx-top"] as string);
    const protectedStack = await cfn.send(new DescribeStacksCommand({ StackName: "termination-protected" }));
    expect(protectedStack.Stacks?.[0]?.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("refuses accounts outside the sandbox OUs and the management account, even when asked", async () => {
    const management = (await org.send(new DescribeOrganizationCommand({}))).Organization
      ?.MasterAccountId as string;

    const { run } = await runToEnd({ dryRun: true, accounts: [accounts.workload, management] });

    expect(run.accounts).toEqual([]);
    expect(run.refused.map((r: { accountId: string }) => r.accountId).sort()).toEqual(
      [accounts.workload, management].sort(),
    );
    expect(await liveStacks(accounts.workload as string, "us-east-1")).toHaveLength(STACKS.length);
  });

  it("lists a SUSPENDED sandbox account under refused, with its state, and never touches its stacks", async () => {
    const { run } = await runToEnd({ dryRun: true });

    const closed = run.refused.find((r: { accountId: string }) => r.accountId === accounts["sbx-closed"]);
    expect(closed?.reason).toMatch(/SUSPENDED/);
    expect(run.accounts.map((a: { accountId: string }) => a.accountId)).not.toContain(accounts["sbx-closed"]);
  });

  it.each([
    ["no body", undefined, {}],
    ["an empty text/plain body", "", { "content-type": "text/plain" }],
    ["an empty JSON object", "{}", { "content-type": "application/json" }],
  ])("starts a dry run, never a deleting one, for %s", async (_label, body, headers) => {
    const res = await fetch(`${api.url}/cleanup/runs`, { method: "POST", headers, body });
    const started = (await res.json()) as { dryRun: boolean; links: { self: string } };
    await plane.runner.idle();
    const run = (await call(api.url, "GET", started.links.self)).body;

    expect(res.status).toBe(202);
    expect(started.dryRun).toBe(true);
    expect(run.dryRun).toBe(true);
    expect(await liveStacks(accounts["sbx-closed"] as string, "us-east-1")).toHaveLength(STACKS.length);
  });

  it("answers 422 for a JSON null body and 400 for a duplicate dryRun, starting nothing", async () => {
    const nullBody = await call(api.url, "POST", "/cleanup/runs", "null");
    const duplicate = await call(api.url, "POST", "/cleanup/runs", '{"dryRun":true,"dryRun":false}');

    expect(nullBody.status).toBe(422);
    expect(duplicate.status).toBe(400);
  });

  it("validates the request body", async () => {
    const res = await call(api.url, "POST", "/cleanup/runs", { dryRun: "yes", accounts: ["abc"] });

    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(["dryRun", "accounts.0"]);
  });
});
