import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);

describe("npm run synth", () => {
  it("writes the CloudFormation template of every stack, offline, for review", async () => {
    const out = mkdtempSync(join(tmpdir(), "qm-synth-"));

    const { stdout, stderr } = await exec("npm", ["run", "--silent", "synth", "--", out], {
      timeout: 240_000,
    });

    // One line per template as it is written; no SDK v2 end-of-support notice; piped, no progress lines.
    expect(stdout.trim().split("\n")).toHaveLength(7);
    expect(stdout).toMatch(/review-quartermaster-Vending\.template\.json {2}\d+ resources/);
    expect(stderr).not.toMatch(/end-of-support|SDK for JavaScript \(v2\)/);
    expect(stderr).toBe("");

    const files = readdirSync(out).sort();
    expect(files.map((f) => f.replace(/^review-quartermaster-|\.template\.json$/g, ""))).toEqual(
      ["Api", "Cleanup", "Closure", "Notifications", "Observability", "Storage", "Vending"].sort(),
    );
    const vending = JSON.parse(readFileSync(join(out, "review-quartermaster-Vending.template.json"), "utf8"));
    const types = Object.values(vending.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toContain("AWS::StepFunctions::StateMachine");
    expect(types.filter((t) => t === "AWS::Lambda::Function").length).toBeGreaterThanOrEqual(8);
  }, 300_000);
});
