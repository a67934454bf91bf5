import { describe, expect, it } from "vitest";
import { fanOutState, itemDone } from "./definition";

const options = {
  label: "Each",
  itemsPath: "$.plan.items",
  itemSelector: { "item.$": "$$.Map.Item.Value" },
  maxConcurrency: 50,
  next: "End",
  catchTo: "Report",
};

describe("fanOutState", () => {
  it("is a Distributed Map reading its items from S3 page by page, one standard child per item, tolerating every failure", () => {
    const state = fanOutState({ ...options, processor: { StartAt: "Work", States: { Work: itemDone() } } });

    expect(state).toMatchObject({
      Type: "Map",
      ItemReader: {
        Resource: "arn:aws:states:::s3:getObject",
        ReaderConfig: { InputType: "JSON" },
        Parameters: { "Bucket.$": "$.plan.items.bucket", "Key.$": "$.plan.items.key" },
      },
      MaxConcurrency: 50,
      ToleratedFailurePercentage: 100,
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" }, StartAt: "Work" },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Report" }],
    });
    expect(state.ItemsPath).toBeUndefined();
  });

  it("refuses a child that ends with an output of its own: the map would gather 5,000 of them into one state", () => {
    expect(() =>
      fanOutState({
        ...options,
        processor: { StartAt: "Work", States: { Work: { Type: "Pass", End: true } } },
      }),
    ).toThrow(/Work must end with itemDone/);
    expect(() =>
      fanOutState({ ...options, processor: { StartAt: "Done", States: { Done: { Type: "Succeed" } } } }),
    ).toThrow(/Done must end with itemDone/);
  });
});
