import {
  type Account,
  CloseAccountCommand,
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  OrganizationsServiceException,
  TagResourceCommand,
} from "@aws-sdk/client-organizations";
import {
  CreateAccountAssignmentCommand,
  ListAccountAssignmentsCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { awaitCreation } from "./await-creation";
import { createAccount, REQUEST_TAG } from "./create";
import { grantAccess } from "./grant";
import { placeAccount } from "./place";
import type { VendState } from "./state";
import { tagAccount } from "./tag";

const org = mockClient(OrganizationsClient);
const sso = mockClient(SSOAdminClient);

afterEach(() => {
  org.reset();
  sso.reset();
});

const ROOT = "r-root";
const PRODUCTION = "ou-root-prod0001";

interface FakeAccount {
  id: string;
  email: string;
  parent: string;
  tags: Map<string, string>;
  state: "ACTIVE" | "SUSPENDED";
  foreign: boolean;
}

/**
 * Organizations as AWS answers, which moto does not: an email belongs to one account, and a
 * CreateAccount for a taken email ends FAILED with EMAIL_ALREADY_EXISTS. Creations stay IN_PROGRESS
 * for a few checks; a CreateAccount's answer can be lost after the account was made.
 */
class FakeOrganization {
  readonly accounts = new Map<string, FakeAccount>();
  readonly creations = new Map<string, { checksLeft: number; accountId?: string; reason?: string }>();
  /** Every account a mutating call named: moved, tagged, closed, assigned. */
  readonly touched: { action: string; accountId: string }[] = [];
  loseNextAnswer = false;
  private next = 0;

  private newId(): string {
    this.next += 1;
    return String(200000000000 + this.next);
  }

  emailTaken(email: string): boolean {
    return [...this.accounts.values()].some((a) => a.email.toLowerCase() === email.toLowerCase());
  }

  createForeign(email: string): void {
    if (this.emailTaken(email)) return;
    const id = this.newId();
    this.accounts.set(id, { id, email, parent: PRODUCTION, tags: new Map(), state: "ACTIVE", foreign: true });
  }

  install(inProgressChecks: number): void {
    org.on(CreateAccountCommand).callsFake((input) => {
      const car = `car-${this.newId()}`;
      if (this.emailTaken(input.Email)) {
        this.creations.set(car, { checksLeft: inProgressChecks, reason: "EMAIL_ALREADY_EXISTS" });
      } else {
        const id = this.newId();
        const tags = new Map<string, string>(
          (input.Tags ?? []).map((t: { Key: string; Value: string }) => [t.Key, t.Value]),
        );
        this.accounts.set(id, {
          id,
          email: input.Email,
          parent: ROOT,
          tags,
          state: "ACTIVE",
          foreign: false,
        });
        this.creations.set(car, { checksLeft: inProgressChecks, accountId: id });
      }
      if (this.loseNextAnswer) {
        this.loseNextAnswer = false;
        // The account is being made, and the caller never hears of it (a crash, a timeout).
        throw new OrganizationsServiceException({
          name: "ServiceUnavailable",
          $fault: "server",
          $metadata: {},
        });
      }
      return { CreateAccountStatus: { Id: car, State: "IN_PROGRESS" } };
    });
    org.on(DescribeCreateAccountStatusCommand).callsFake((input) => {
      const creation = this.creations.get(input.CreateAccountRequestId);
      if (!creation) throw new Error(`unknown creation ${input.CreateAccountRequestId}`);
      if (creation.checksLeft > 0) {
        creation.checksLeft -= 1;
        return { CreateAccountStatus: { Id: input.CreateAccountRequestId, State: "IN_PROGRESS" } };
      }
      return creation.reason
        ? { CreateAccountStatus: { State: "FAILED", FailureReason: creation.reason } }
        : { CreateAccountStatus: { State: "SUCCEEDED", AccountId: creation.accountId } };
    });
    org.on(DescribeAccountCommand).callsFake((input) => ({ Account: this.describe(input.AccountId) }));
    org.on(ListAccountsCommand).callsFake(() => ({
      Accounts: [...this.accounts.values()].map((a) => this.describe(a.id)),
    }));
    org.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT }] });
    org.on(ListParentsCommand).callsFake((input) => ({
      Parents: [{ Id: this.get(input.ChildId).parent }],
    }));
    org.on(ListTagsForResourceCommand).callsFake((input) => ({
      Tags: [...this.get(input.ResourceId).tags].map(([Key, Value]) => ({ Key, Value })),
    }));
    org.on(MoveAccountCommand).callsFake((input) => {
      const account = this.touch("MoveAccount", input.AccountId);
      if (account.parent !== input.SourceParentId)
        throw new OrganizationsServiceException({
          name: "SourceParentNotFoundException",
          $fault: "client",
          $metadata: {},
        });
      account.parent = input.DestinationParentId;
      return {};
    });
    org.on(TagResourceCommand).callsFake((input) => {
      const account = this.touch("TagResource", input.ResourceId);
      for (const t of input.Tags) account.tags.set(t.Key, t.Value);
      return {};
    });
    org.on(CloseAccountCommand).callsFake((input) => {
      this.touch("CloseAccount", input.AccountId).state = "SUSPENDED";
      return {};
    });
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
    sso.on(CreateAccountAssignmentCommand).callsFake((input) => {
      this.touch("CreateAccountAssignment", input.TargetId);
      return { AccountAssignmentCreationStatus: { RequestId: `aa-${this.newId()}`, Status: "IN_PROGRESS" } };
    });
  }

  private get(id: string): FakeAccount {
    const account = this.accounts.get(id);
    if (!account)
      throw new OrganizationsServiceException({
        name: "AccountNotFoundException",
        $fault: "client",
        $metadata: {},
      });
    return account;
  }

  private touch(action: string, id: string): FakeAccount {
    this.touched.push({ action, accountId: id });
    return this.get(id);
  }

  private describe(id: string): Account {
    const a = this.get(id);
    return { Id: a.id, Email: a.email, State: a.state, Status: a.state };
  }
}

type Event =
  | { kind: "foreign" }
  | { kind: "step" }
  | { kind: "retry"; redrive: boolean }
  | { kind: "lose" }
  | { kind: "approvalWait" };

const arbitraryEvent: fc.Arbitrary<Event> = fc.oneof(
  fc.constant({ kind: "foreign" as const }),
  fc.constant({ kind: "step" as const }),
  fc.constant({ kind: "step" as const }),
  fc.constant({ kind: "step" as const }),
  fc.record({ kind: fc.constant("retry" as const), redrive: fc.boolean() }),
  fc.constant({ kind: "lose" as const }),
  fc.constant({ kind: "approvalWait" as const }),
);

/** The vend's stages as the workflow runs them (awaitCreation again until done), one step at a time. */
const STAGES = ["create", "awaitCreation", "place", "grant", "tag", "done"] as const;

describe("adoption, over random interleavings of requests, waits, foreign accounts and retries", () => {
  it("never moves, tags, assigns to or closes an account the request did not create", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent, { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 0, max: 2 }),
        async (events, inProgressChecks) => {
          org.reset();
          sso.reset();
          const aws = new FakeOrganization();
          aws.install(inProgressChecks);
          const { ctx, store } = unitContext();
          const input = vendState(store, {});
          let state: VendState = { ...input };
          let stage = 0;
          let failed: { stage: number; code?: string } | undefined;

          const step = async () => {
            if (failed || STAGES[stage] === "done") return;
            try {
              switch (STAGES[stage]) {
                case "create":
                  state = { ...state, create: await createAccount(ctx, state) };
                  stage += 1;
                  break;
                case "awaitCreation": {
                  const progress = await awaitCreation(ctx, state);
                  state = { ...state, awaitCreation: progress };
                  if (progress.done) stage += 1;
                  break;
                }
                case "place":
                  state = { ...state, place: await placeAccount(ctx, state) };
                  stage += 1;
                  break;
                case "grant":
                  state = { ...state, grant: await grantAccess(ctx, state) };
                  stage += 1;
                  break;
                case "tag":
                  state = { ...state, tag: await tagAccount(ctx, state) };
                  stage += 1;
                  break;
              }
            } catch (error) {
              failed = { stage, code: (error as { code?: string }).code };
            }
          };
          const retry = (redrive: boolean) => {
            if (!failed) return;
            // A redrive resumes at the failed stage with the state it had; a restart begins again with the input.
            if (!redrive) {
              state = { ...input };
              stage = 0;
            } else stage = failed.stage;
            failed = undefined;
          };

          for (const event of events) {
            if (event.kind === "foreign") aws.createForeign(input.request.email);
            else if (event.kind === "lose") aws.loseNextAnswer = true;
            else if (event.kind === "retry") retry(event.redrive);
            else if (event.kind === "step") await step();
          }
          // Then the operator retries until the request ends, as a persistent operator would.
          for (let i = 0; i < 40 && STAGES[stage] !== "done"; i += 1) {
            if (failed?.code === "EMAIL_ALREADY_EXISTS") break;
            if (failed) retry(i % 2 === 0);
            await step();
          }

          const foreign = new Set([...aws.accounts.values()].filter((a) => a.foreign).map((a) => a.id));
          expect(aws.touched.filter((t) => foreign.has(t.accountId))).toEqual([]);
          const recorded = (await store.get(input.requestId))?.accountId;
          if (recorded) expect(foreign.has(recorded)).toBe(false);
          const reached = state.awaitCreation?.accountId ?? state.create?.accountId;
          if (reached) {
            expect(foreign.has(reached)).toBe(false);
            expect(aws.accounts.get(reached)?.tags.get(REQUEST_TAG)).toBe(input.requestId);
          }
          // A foreign account that holds the email means this request made none: it ends EMAIL_ALREADY_EXISTS.
          const ours = [...aws.accounts.values()].filter((a) => !a.foreign);
          if (foreign.size > 0 && ours.length === 0) expect(failed?.code).toBe("EMAIL_ALREADY_EXISTS");
          expect(ours.length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
