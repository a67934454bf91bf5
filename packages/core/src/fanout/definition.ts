import type { AslState } from "../workflow/asl";

/** The states of one item's work: a child execution of the Distributed Map, with its own history. */
export interface ItemProcessor {
  StartAt: string;
  States: Record<string, AslState>;
}

/**
 * How an item's work ends: with an empty output. A Distributed Map without a `ResultWriter` gathers
 * its children's outputs into one array; `{}` per item keeps that array at 3 bytes an item (60 KB at
 * 20,000 accounts), far under the 256 KB a state may hold.
 */
export function itemDone(): AslState {
  return { Type: "Pass", Result: {}, End: true };
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

/**
 * The fan-out engine's one state (DESIGN rule 15): a Distributed Map whose items a task wrote to the
 * items bucket (`writeFanoutItems`) and whose `ItemReader` reads page by page, so no state ever
 * holds the whole organisation; each item runs as a child execution (one history per account); one
 * item's failure never fails the others (`ToleratedFailurePercentage` 100: the ending task reports
 * an item that did not report itself).
 */
export function fanOutState(options: {
  /** JSONPath of the `FanoutItems` reference in the state (`$.plan.items`). */
  itemsPath: string;
  /** Each child's input; `$$.Map.Item.Value` is the item. */
  itemSelector: Record<string, string>;
  maxConcurrency: number;
  processor: ItemProcessor;
  /** The Map Run's label in the console and in child execution names. */
  label: string;
  next: string;
  /** Where an error of the map itself (items unreadable) goes, with it at `$.error`. */
  catchTo: string;
}): AslState {
  for (const [name, state] of Object.entries(options.processor.States)) {
    const ends = state.End === true || state.Type === "Succeed";
    if (ends && !(state.Type === "Pass" && isEmptyObject(state.Result)))
      throw new Error(
        `Fan-out state ${name} must end with itemDone(): a child's output is gathered by the map`,
      );
  }
  return {
    Type: "Map",
    Label: options.label,
    ItemReader: {
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSON" },
      Parameters: { "Bucket.$": `${options.itemsPath}.bucket`, "Key.$": `${options.itemsPath}.key` },
    },
    ItemSelector: options.itemSelector,
    MaxConcurrency: options.maxConcurrency,
    ToleratedFailurePercentage: 100,
    ItemProcessor: {
      ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
      ...options.processor,
    },
    ResultPath: null,
    Next: options.next,
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: options.catchTo }],
  };
}
