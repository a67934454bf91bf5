import { describe, expect, it } from "vitest";
import { accountsWithEmail } from "../support/org";
import { unique, useApi } from "../support/plane";
import { runQm } from "../support/qm";

const api = useApi({
  config: { approvals: { rules: [{ ous: ["Workloads/Production"], approvers: ["alice@example.com"] }] } },
});

/** Runs `qm` against local mode as the person in QM_LOCAL_USER. */
const qmAs = (user: string, ...argv: string[]) => runQm(api.url, { QM_LOCAL_USER: user }, ...argv);

describe("qm approve, qm reject and qm list --status PENDING_APPROVAL", () => {
  it("vends into a covered OU, lists it as waiting, refuses the requester, and approves as an approver", async () => {
    const name = unique("cliappr");
    const email = `aws+${name}@example.com`;

    const vend = await qmAs(
      "bob@example.com",
      "vend",
      "--name",
      name,
      "--email",
      email,
      "--ou",
      "Workloads/Production",
      "--json",
    );
    const { requestId, status } = JSON.parse(vend.out);
    expect(status).toBe("PENDING_APPROVAL");

    const waiting = await qmAs("bob@example.com", "list", "--status", "PENDING_APPROVAL", "--limit", "100");
    expect(waiting.out).toContain(requestId);

    const own = await qmAs("bob@example.com", "approve", requestId);
    expect(own.code).toBe(1);
    expect(own.err).toMatch(/403 OWN_REQUEST/);

    const approved = await qmAs(
      "bob@example.com",
      "approve",
      requestId,
      "--as",
      "alice@example.com",
      "--reason",
      "ok",
    );
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/approval APPROVED by alice@example\.com/);
    await api.plane.runner.idle();

    const shown = await qmAs("bob@example.com", "status", requestId);
    expect(shown.out).toMatch(/SUCCEEDED/);
    expect(shown.out).toMatch(/requested by bob@example\.com/);
    expect(shown.out).toMatch(/refused bob@example\.com/);
    expect(await accountsWithEmail(email)).toHaveLength(1);
  });

  it("rejects with a reason, and needs one", async () => {
    const name = unique("clirej");
    const vend = await qmAs(
      "bob@example.com",
      "vend",
      "--name",
      name,
      "--email",
      `aws+${name}@example.com`,
      "--ou",
      "Workloads/Production",
      "--json",
    );
    const { requestId } = JSON.parse(vend.out);

    const noReason = await qmAs("alice@example.com", "reject", requestId);
    expect(noReason.code).toBe(2);
    const rejected = await qmAs("alice@example.com", "reject", requestId, "--reason", "not this quarter");
    expect(rejected.code).toBe(0);
    expect(rejected.out).toMatch(/REJECTED/);
    expect(rejected.out).toMatch(/not this quarter/);
  });
});
