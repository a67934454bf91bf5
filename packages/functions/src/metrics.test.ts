import { afterEach, describe, expect, it, vi } from "vitest";
import { PowertoolsMetricsSink } from "./metrics";

afterEach(() => vi.restoreAllMocks());

describe("the Lambda metrics sink", () => {
  it("writes each metric as a CloudWatch EMF line in the Quartermaster namespace, with its dimensions", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => lines.push(String(line)));
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });

    new PowertoolsMetricsSink("vend").add("VendsFailed", "Count", 1, { Step: "place" });

    const emf = lines
      .map((l) => l.trim())
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    const [entry] = emf;
    expect(entry._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "Quartermaster",
      Metrics: [{ Name: "VendsFailed", Unit: "Count" }],
    });
    expect(entry._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(["Step"]));
    expect(entry).toMatchObject({ VendsFailed: 1, Step: "place" });
  });
});
