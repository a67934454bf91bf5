import type { AslDefinition, AslState } from "@quartermaster/core/workflow/asl";

/** Where the runner puts the items it read for a Map: a key of the Map's input, left out of its size. */
export const LOCAL_ITEMS_KEY = "__qmItems";

/** The suffix of the Task state the runner adds before a Map with an `ItemReader`. */
const READER_SUFFIX = "·ItemReader";

/** A Map's `ItemReader` parameters once their paths are resolved: the S3 object to read. */
export interface ItemSource {
  Bucket: string;
  Key: string;
}

/** Reads the JSON array an `ItemReader` names for a workflow's state machine (local mode: the emulator's S3). */
export type ReadItems = (source: ItemSource, workflow: string) => Promise<unknown[]>;

/** The Task states the runner added, by name: their events are not Step Functions' and are not counted. */
export function isReaderState(name: string): boolean {
  return name.endsWith(READER_SUFFIX);
}

type States = Record<string, AslState>;

/** Points every transition to `from` in a block of states (and its start) at `to`. */
function redirect(block: { StartAt?: string; States: States }, from: string, to: string) {
  if (block.StartAt === from) block.StartAt = to;
  for (const state of Object.values(block.States)) {
    if (state.Next === from) state.Next = to;
    if (state.Default === from) state.Default = to;
    for (const list of [state.Choices, state.Catch] as unknown[])
      if (Array.isArray(list))
        for (const rule of list as { Next?: string }[]) if (rule.Next === from) rule.Next = to;
  }
}

/**
 * The runner's copy of a definition in which a Distributed Map's `ItemReader` (which the interpreter
 * does not run) becomes what it does in Step Functions, in two states: a Task, named `<Map>·ItemReader`,
 * that reads the S3 object with the reader's own resolved parameters, then the Map over what it read.
 * The deployed definition is never edited; only `ReaderConfig.InputType` JSON (an array) is supported,
 * and the Map must discard its result (`ResultPath: null`), as the fan-out engine's do.
 */
export function withItemReaders(
  definition: AslDefinition,
  readerArn: string,
): { definition: AslDefinition; readers: string[] } {
  const copy = structuredClone(definition);
  const readers: string[] = [];
  const visit = (block: { StartAt?: string; States: States }) => {
    for (const [name, state] of Object.entries(block.States)) {
      const processor = state.ItemProcessor as { StartAt: string; States: States } | undefined;
      if (state.Type === "Map" && processor) visit(processor);
      const reader = state.ItemReader as
        | { Resource?: string; ReaderConfig?: { InputType?: string }; Parameters?: Record<string, unknown> }
        | undefined;
      if (state.Type !== "Map" || !reader) continue;
      if (reader.Resource !== "arn:aws:states:::s3:getObject" || reader.ReaderConfig?.InputType !== "JSON")
        throw new Error(
          `Map ${name}: the local runner reads only JSON arrays from S3 (s3:getObject, InputType JSON)`,
        );
      if (state.ResultPath !== null)
        throw new Error(`Map ${name}: the local runner needs ResultPath null on a Map with an ItemReader`);
      const readerName = `${name}${READER_SUFFIX}`;
      redirect(block, name, readerName);
      block.States[readerName] = {
        Type: "Task",
        Resource: readerArn,
        Parameters: reader.Parameters ?? {},
        ResultPath: `$.${LOCAL_ITEMS_KEY}`,
        Next: name,
        ...(state.Catch ? { Catch: structuredClone(state.Catch) } : {}),
      };
      delete state.ItemReader;
      state.ItemsPath = `$.${LOCAL_ITEMS_KEY}`;
      // What the Map leaves behind is as small as Step Functions' discarded result: `{}` in place of the items.
      state.ResultSelector = {};
      state.ResultPath = `$.${LOCAL_ITEMS_KEY}`;
      readers.push(readerName);
    }
  };
  visit(copy as { StartAt: string; States: States });
  return { definition: copy, readers };
}

/** A state's payload as Step Functions would hold it: without the items the runner read for a Map. */
export function withoutLocalItems(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value) || !(LOCAL_ITEMS_KEY in value))
    return value;
  const { [LOCAL_ITEMS_KEY]: _items, ...rest } = value as Record<string, unknown>;
  return rest;
}
