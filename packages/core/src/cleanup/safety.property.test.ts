import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { recordedRun, unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { cleanAccount } from "./clean-account";
import { discoverSandboxAccounts } from "./discover";

const org = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);

afterEach(() => {
  org.reset();
  sts.reset();
  cfn.reset();
});

const REGIONS = ["us-east-1", "eu-west-1"];
const MANAGEMENT = "100000000000";
const HOME = "100000000001";
const PROTECT_PATTERN = "keep-*";

interface FakeStack {
  name: string;
  nested: boolean;
  terminationProtection: boolean;
  protectTag?: string;
  exports: string[];
  imports: string[];
}
interface FakeAccount {
  id: string;
  ou: number;
  state: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
  stacks: Record<string, FakeStack[]>;
}
interface World {
  /** OU i's parent: -1 is the root. */
  ouParents: number[];
  sandbox: number[];
  accounts: FakeAccount[];
}

const stackNames = fc.constantFrom(
  "app",
  "api",
  "db",
  "net",
  "web",
  "StackSet-baseline-1",
  "aws-controltower-Config",
  "CDKToolkit",
  "keep-vpn",
  "scratch",
);
const exportNames = fc.constantFrom("x1", "x2", "x3");
const stack: fc.Arbitrary<FakeStack> = fc.record({
  name: stackNames,
  nested: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  terminationProtection: fc.boolean(),
  protectTag: fc.option(fc.constantFrom("true", " TRUE ", "True", "false", "yes"), { nil: undefined }),
  exports: fc.uniqueArray(exportNames, { maxLength: 2 }),
  imports: fc.uniqueArray(exportNames, { maxLength: 2 }),
});

/** Random organisations: nested OUs, accounts in and out of the sandbox OUs, closed accounts, chains. */
const worlds: fc.Arbitrary<World> = fc
  .integer({ min: 1, max: 6 })
  .chain((ouCount) =>
    fc.record({
      ouParents: fc.tuple(...Array.from({ length: ouCount }, (_, i) => fc.integer({ min: -1, max: i - 1 }))),
      sandbox: fc.uniqueArray(fc.integer({ min: 0, max: ouCount - 1 }), { minLength: 1, maxLength: 2 }),
      accounts: fc.array(
        fc.record({
          ou: fc.integer({ min: -1, max: ouCount - 1 }),
          state: fc.constantFrom("ACTIVE", "ACTIVE", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE"),
          stacks: fc.record({
            "us-east-1": fc.uniqueArray(stack, { maxLength: 6, selector: (s) => s.name }),
            "eu-west-1": fc.uniqueArray(stack, { maxLength: 6, selector: (s) => s.name }),
          }),
        }),
        { maxLength: 6 },
      ),
    }),
  )
  .map((w) => ({
    ...w,
    ouParents: w.ouParents as number[],
    accounts: w.accounts.map((a, i) => ({
      ...a,
      // Export names are unique per account and region, as CloudFormation enforces.
      stacks: Object.fromEntries(
        Object.entries(a.stacks).map(([region, stacks]) => [region, uniqueExports(stacks)]),
      ),
      // The management account and Quartermaster's own account may sit anywhere, sandbox included.
      id: i === 0 ? MANAGEMENT : i === 1 ? HOME : `2000000000${String(i).padStart(2, "0")}`,
    })) as FakeAccount[],
  }));

function uniqueExports(stacks: FakeStack[]): FakeStack[] {
  const taken = new Set<string>();
  return stacks.map((s) => {
    const exports = s.exports.filter((e) => !taken.has(e));
    for (const e of exports) taken.add(e);
    return { ...s, exports };
  });
}

const ouId = (i: number) => (i < 0 ? "r-root" : `ou-root-${String(i).padStart(8, "0")}`);
const ouName = (i: number) => `OU${i}`;
const pathOf = (w: World, i: number): string =>
  w.ouParents[i] === -1 ? ouName(i) : `${pathOf(w, w.ouParents[i] as number)}/${ouName(i)}`;
const under = (w: World, ou: number, ancestor: number): boolean =>
  ou === ancestor || (ou >= 0 && under(w, w.ouParents[ou] as number, ancestor));

/** Plays AWS for a world: Organizations, STS (one key per account) and CloudFormation per account-region. */
function playWorld(w: World) {
  const deleted: string[] = [];
  const live = (account: string, region: string) =>
    (w.accounts.find((a) => a.id === account)?.stacks[region] ?? []).filter(
      (s) => !deleted.includes(`${account}/${region}/${s.name}`),
    );
  org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-root" }] });
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: MANAGEMENT } });
  org.on(ListOrganizationalUnitsForParentCommand).callsFake((input: { ParentId: string }) => ({
    OrganizationalUnits: w.ouParents.flatMap((p, i) =>
      ouId(p) === input.ParentId ? [{ Id: ouId(i), Name: ouName(i) }] : [],
    ),
  }));
  org.on(ListAccountsForParentCommand).callsFake((input: { ParentId: string }) => ({
    Accounts: w.accounts
      .filter((a) => ouId(a.ou) === input.ParentId)
      .map((a) => ({
        Id: a.id,
        Name: `acct-${a.id}`,
        State: a.state,
        Status: a.state === "ACTIVE" ? "ACTIVE" : "SUSPENDED",
      })),
  }));
  sts.on(GetCallerIdentityCommand).resolves({ Account: HOME });
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => ({
    Credentials: {
      AccessKeyId: `AK${input.RoleArn.split(":")[4]}`,
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 3_600_000),
    },
  }));
  const where = async (getClient: () => CloudFormationClient) => {
    const client = getClient();
    const region = await client.config.region();
    const credentials = await client.config.credentials();
    return { account: credentials.accessKeyId.slice(2), region };
  };
  const find = async (getClient: () => CloudFormationClient, name: string) => {
    const { account, region } = await where(getClient);
    const found = live(account, region).find((s) => s.name === name);
    if (!found)
      throw Object.assign(new Error(`Stack with id ${name} does not exist`), {
        name: "ValidationError",
        $metadata: { httpStatusCode: 400 },
      });
    return { found, account, region };
  };
  cfn.on(ListStacksCommand).callsFake(async (_input, getClient) => {
    const { account, region } = await where(getClient);
    return {
      StackSummaries: live(account, region).map((s) => ({
        StackName: s.name,
        StackStatus: "CREATE_COMPLETE",
      })),
    };
  });
  cfn.on(DescribeStacksCommand).callsFake(async (input: { StackName: string }, getClient) => {
    const { found } = await find(getClient, input.StackName);
    return {
      Stacks: [
        {
          StackName: found.name,
          StackStatus: "CREATE_COMPLETE",
          ParentId: found.nested ? "arn:parent" : undefined,
          EnableTerminationProtection: found.terminationProtection,
          Tags:
            found.protectTag === undefined ? [] : [{ Key: "quartermaster:protect", Value: found.protectTag }],
          Outputs: found.exports.map((e) => ({ OutputKey: e, OutputValue: e, ExportName: e })),
        },
      ],
    };
  });
  cfn.on(GetTemplateCommand).callsFake(async (input: { StackName: string }, getClient) => {
    const { found } = await find(getClient, input.StackName);
    const resources = Object.fromEntries(
      found.imports.map((name, i) => [
        `T${i}`,
        { Type: "AWS::SNS::Topic", Properties: { TopicName: { "Fn::ImportValue": name } } },
      ]),
    );
    return { TemplateBody: JSON.stringify({ Resources: resources }) };
  });
  cfn.on(DeleteStackCommand).callsFake(async (input: { StackName: string }, getClient) => {
    const { found, account, region } = await find(getClient, input.StackName);
    deleted.push(`${account}/${region}/${found.name}`);
    return {};
  });
  cfn.on(DescribeStackResourcesCommand).resolves({ StackResources: [] });
  return { deleted, live };
}

const isProtected = (s: FakeStack) =>
  s.nested ||
  s.terminationProtection ||
  s.protectTag?.trim().toLowerCase() === "true" ||
  /^(StackSet-|aws-controltower-|CDKToolkit$|keep-)/.test(s.name);

async function cleanWorld(w: World, dryRun: boolean) {
  const { ctx } = unitContext({
    sandboxOuPaths: w.sandbox.map((i) => pathOf(w, i)),
    cleanup: { regions: REGIONS, protectPatterns: [PROTECT_PATTERN] },
  });
  await recordedRun(ctx.runs, "run-prop", { dryRun, trigger: "api", startedAt: "2026-11-23T00:00:00Z" });
  const discovery = await discoverSandboxAccounts(ctx, ctx.config.sandboxOuPaths);
  const reports = [];
  for (const account of discovery.accounts)
    reports.push(await cleanAccount(ctx, account, { runId: "run-prop", dryRun }));
  return { discovery, reports };
}

describe("the clean-up over random organisations", () => {
  it("never deletes outside the sandbox OUs, never a protected stack, never an exporter still imported, and accounts for every sandbox account", async () => {
    await fc.assert(
      fc.asyncProperty(worlds, async (w) => {
        const aws = playWorld(w);
        const dry = await cleanWorld(w, true);
        expect(aws.deleted).toEqual([]);

        const real = await cleanWorld(w, false);

        const inSandbox = (a: FakeAccount) => w.sandbox.some((s) => under(w, a.ou, s));
        for (const key of aws.deleted) {
          const [accountId, region, name] = key.split("/") as [string, string, string];
          const account = w.accounts.find((a) => a.id === accountId) as FakeAccount;
          expect(inSandbox(account), key).toBe(true);
          expect(account.state, key).toBe("ACTIVE");
          expect([MANAGEMENT, HOME], key).not.toContain(accountId);
          const stackInfo = account.stacks[region]?.find((s) => s.name === name) as FakeStack;
          expect(isProtected(stackInfo), key).toBe(false);
        }
        for (const account of w.accounts)
          for (const region of REGIONS) {
            const remaining = aws.live(account.id, region);
            const gone = (account.stacks[region] ?? []).filter((s) => !remaining.includes(s));
            for (const stack of gone)
              for (const exported of stack.exports)
                expect(
                  remaining.some((r) => r.imports.includes(exported) && r.name !== stack.name),
                  `${account.id}/${region}/${stack.name} deleted while ${exported} is still imported`,
                ).toBe(false);
          }
        const sandboxIds = w.accounts
          .filter(inSandbox)
          .map((a) => a.id)
          .sort();
        const reported = [
          ...real.discovery.accounts.map((a) => a.accountId),
          ...real.discovery.refused.map((r) => r.accountId),
        ].sort();
        expect(reported).toEqual(sandboxIds);
        const wouldDelete = dry.reports.flatMap((r) =>
          r.regions.flatMap((g) => g.deleted.map((d) => `${r.accountId}/${g.region}/${d}`)),
        );
        expect([...aws.deleted].sort()).toEqual(wouldDelete.sort());
        org.reset();
        sts.reset();
        cfn.reset();
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
