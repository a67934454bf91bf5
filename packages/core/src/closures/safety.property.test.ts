import {
  AccountNotFoundException,
  CloseAccountCommand,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { requestClosure } from "./request";
import { closeTask } from "./tasks";

const org = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);

afterEach(() => {
  org.reset();
  sts.reset();
});

const MANAGEMENT = "100000000000";
const HOME = "100000000001";
const ROOT = "r-root";

/** OUs: an id, a name and a parent (the root or another OU). Sandbox and Closable are candidates for scope. */
const OUS = [
  { id: "ou-root-sandbox1", name: "Sandbox", parent: ROOT },
  { id: "ou-root-sbteam01", name: "Team", parent: "ou-root-sandbox1" },
  { id: "ou-root-sbdeep01", name: "Deep", parent: "ou-root-sbteam01" },
  { id: "ou-root-workload", name: "Workloads", parent: ROOT },
  { id: "ou-root-wkprod01", name: "Production", parent: "ou-root-workload" },
  { id: "ou-root-sandboxy", name: "Sandboxy", parent: ROOT },
  { id: "ou-root-suspend1", name: "Suspended", parent: ROOT },
];
const PARENTS = [ROOT, ...OUS.map((o) => o.id)];

function pathOf(ouId: string): string {
  const names: string[] = [];
  for (let id = ouId; id !== ROOT; ) {
    const ou = OUS.find((o) => o.id === id);
    if (!ou) break;
    names.unshift(ou.name);
    id = ou.parent;
  }
  return names.join("/");
}

interface Model {
  accounts: Map<string, { parent: string; state: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE" }>;
}

const arbitraryOrg = fc
  .array(
    fc.record({
      parent: fc.constantFrom(...PARENTS),
      state: fc.constantFrom("ACTIVE", "ACTIVE", "SUSPENDED"),
    }),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .chain((members) =>
    fc.record({
      members: fc.constant(members),
      managementParent: fc.constantFrom(...PARENTS),
      homeParent: fc.constantFrom(...PARENTS),
      // Closable OUs: by path or by id, the sandbox OU or deeper, sometimes a look-alike name.
      closable: fc.constantFrom(
        ["Sandbox"],
        ["ou-root-sandbox1"],
        ["Sandbox/Team"],
        ["Sandbox", "Workloads/Production"],
      ),
    }),
  );

const arbitraryOps = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("close" as const),
      account: fc.nat(15),
      trigger: fc.constantFrom("api" as const, "lease" as const),
    }),
    fc.record({ kind: fc.constant("move" as const), account: fc.nat(15), to: fc.constantFrom(...PARENTS) }),
    fc.record({ kind: fc.constant("run" as const), account: fc.nat(15) }),
  ),
  { maxLength: 20 },
);

describe("closing accounts, over random organisations and random close and lease calls", () => {
  it("never closes an account outside the closable OUs, the management account, or the account Quartermaster runs in", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryOrg, arbitraryOps, async (shape, ops) => {
        org.reset();
        sts.reset();
        const model: Model = { accounts: new Map() };
        model.accounts.set(MANAGEMENT, { parent: shape.managementParent, state: "ACTIVE" });
        model.accounts.set(HOME, { parent: shape.homeParent, state: "ACTIVE" });
        shape.members.forEach((m, i) => {
          model.accounts.set(String(200000000000 + i), { parent: m.parent, state: m.state as "ACTIVE" });
        });
        const ids = [...model.accounts.keys()];
        const closable = (id: string) => {
          const a = model.accounts.get(id);
          if (!a || id === MANAGEMENT || id === HOME || a.parent === ROOT) return false;
          const path = pathOf(a.parent);
          return shape.closable.some((ref) => {
            const base = ref.startsWith("ou-") ? pathOf(ref) : ref;
            return path === base || path.startsWith(`${base}/`);
          });
        };
        const violations: string[] = [];

        org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: MANAGEMENT } });
        sts.on(GetCallerIdentityCommand).resolves({ Account: HOME });
        org.on(DescribeAccountCommand).callsFake(({ AccountId }) => {
          const a = model.accounts.get(AccountId);
          if (!a) throw new AccountNotFoundException({ message: "no", $metadata: {} });
          return { Account: { Id: AccountId, Name: AccountId, State: a.state } };
        });
        org.on(ListParentsCommand).callsFake(({ ChildId }) => {
          const parent =
            model.accounts.get(ChildId)?.parent ?? OUS.find((o) => o.id === ChildId)?.parent ?? ROOT;
          return { Parents: [{ Id: parent, Type: parent === ROOT ? "ROOT" : "ORGANIZATIONAL_UNIT" }] };
        });
        org.on(DescribeOrganizationalUnitCommand).callsFake(({ OrganizationalUnitId }) => ({
          OrganizationalUnit: {
            Id: OrganizationalUnitId,
            Name: OUS.find((o) => o.id === OrganizationalUnitId)?.name,
          },
        }));
        org.on(CloseAccountCommand).callsFake(({ AccountId }) => {
          if (!closable(AccountId))
            violations.push(`${AccountId} in ${pathOf(model.accounts.get(AccountId)?.parent ?? ROOT)}`);
          const a = model.accounts.get(AccountId);
          if (a) a.state = "SUSPENDED";
          return {};
        });

        const { ctx } = unitContext({ sandboxOuPaths: ["Sandbox"], closableOuPaths: [...shape.closable] });
        const accepted = new Set<string>();
        for (const op of ops) {
          const accountId = ids[op.account % ids.length] as string;
          if (op.kind === "move") {
            const a = model.accounts.get(accountId);
            if (a) a.parent = op.to;
          } else if (op.kind === "close") {
            try {
              const outcome = await requestClosure(ctx, {
                accountId,
                trigger: op.trigger,
                requestId: "req-x",
              });
              if ("closureId" in outcome) accepted.add(outcome.closureId);
            } catch {
              // Refused (403, 404, 409): nothing may happen to the account.
            }
          } else {
            for (const closureId of accepted) await closeTask(ctx, closureId).catch(() => undefined);
          }
        }
        for (const closureId of accepted) await closeTask(ctx, closureId).catch(() => undefined);
        expect(violations).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
