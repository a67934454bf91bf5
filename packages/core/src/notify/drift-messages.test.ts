import { describe, expect, it } from "vitest";
import { driftDetectedMessage } from "./drift-messages";

const base = {
  checkId: "drc-1",
  checked: 40,
  excluded: 2,
  report: "/drift/checks/drc-1",
};

describe("the Drift Detected message", () => {
  it("names the counts, the first accounts with what drifted, the report, the repair, and how many more", () => {
    const message = driftDetectedMessage({
      ...base,
      drifted: 7,
      baselineChanges: 0,
      accounts: [{ accountId: "111122223333", accountName: "pay<dev>", kinds: ["ou", "tag"], findings: 3 }],
    });
    expect(message.text).toBe(
      "Drift found: 7 of 40 vended account(s) differ from their request. Report: qm drift status drc-1",
    );
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain("`111122223333`): ou, tag (3 findings)");
    // Slack's control characters in an account name are escaped.
    expect(blocks).toContain("pay&lt;dev&gt;");
    expect(blocks).toContain("…and 6 more in the report");
    expect(blocks).toContain("qm drift repair drc-1");
    expect(blocks).not.toContain("Baseline");
  });

  it("sends baseline drift to the plan that puts it back, and offers no repair when no account drifted", () => {
    const message = driftDetectedMessage({
      ...base,
      drifted: 0,
      baselineChanges: 2,
      baselinePlanId: "bpl-1",
      accounts: [],
    });
    expect(message.text).toContain("the baseline has 2 change(s)");
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain("qm baseline apply bpl-1");
    expect(blocks).not.toContain("qm drift repair");
  });
});
