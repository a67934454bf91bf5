import type { AslDefinition } from "@quartermaster/core/workflow/asl";
import type { StateMachine } from "aws-local-stepfunctions";

/** One event of the interpreter's log (the package does not export the type itself). */
type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/**
 * Step Functions' limits that the local interpreter does not enforce and this runner does, so that a
 * definition that would fail in AWS fails here first (DESIGN rule 14). Quotas as AWS documents them for
 * Standard workflows.
 */
export const SFN_LIMITS = {
  /** History events of one execution; the execution fails when it reaches this. */
  historyEvents: 25_000,
  /** Bytes of a state's input or output, or an execution's input (UTF-8). */
  payloadBytes: 256 * 1024,
  /** Iterations an inline Map runs at once, whatever its MaxConcurrency says (0 meaning "as many as AWS allows"). */
  inlineMapConcurrency: 40,
} as const;

/** Why an execution failed on a limit, as Step Functions reports it (error and cause). */
export interface LimitBreach {
  error: string;
  cause: string;
}

type State = Record<string, unknown> & { Type?: string };

/** Every `States` block of a definition, nested ones included, with whether it runs as a child of a Distributed Map. */
function* stateBlocks(
  block: { States?: Record<string, State> },
  inChild = false,
): Generator<{ states: Record<string, State>; inChild: boolean }> {
  const states = block.States ?? {};
  yield { states, inChild };
  for (const state of Object.values(states)) {
    if (state.Type === "Map") {
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States?: Record<string, State>; ProcessorConfig?: { Mode?: string } }
        | undefined;
      if (processor)
        yield* stateBlocks(processor, inChild || processor.ProcessorConfig?.Mode === "DISTRIBUTED");
    }
    if (state.Type === "Parallel")
      for (const branch of (state.Branches ?? []) as { States?: Record<string, State> }[])
        yield* stateBlocks(branch, inChild);
  }
}

/** The runner's copy of a definition with every inline Map held to AWS's 40 iterations at once. */
export function withInlineMapConcurrency(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  for (const { states } of stateBlocks(copy as { States: Record<string, State> })) {
    for (const state of Object.values(states)) {
      if (state.Type !== "Map") continue;
      const mode = (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)
        ?.ProcessorConfig?.Mode;
      if (mode === "DISTRIBUTED") continue;
      const wanted = Number(state.MaxConcurrency ?? 0);
      state.MaxConcurrency =
        wanted > 0 ? Math.min(wanted, SFN_LIMITS.inlineMapConcurrency) : SFN_LIMITS.inlineMapConcurrency;
    }
  }
  return copy;
}

/** The size Step Functions counts for a payload: its JSON text in UTF-8. */
export function payloadBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), "utf8");
}

/** A payload over 256 KB: `States.DataLimitExceeded`, which no Catch can catch, so the execution fails. */
export function payloadBreach(where: string, value: unknown): LimitBreach | undefined {
  const bytes = payloadBytes(value);
  return bytes > SFN_LIMITS.payloadBytes
    ? {
        error: "States.DataLimitExceeded",
        cause: `${where} is ${bytes} bytes, over Step Functions' ${SFN_LIMITS.payloadBytes} bytes`,
      }
    : undefined;
}

/**
 * Counts an execution's history events as Step Functions writes them, from the interpreter's event log:
 * a Task state writes Entered, Scheduled, Started, then Succeeded (or Failed) and Exited, and each retry
 * Scheduled and Started again; a Map writes Entered, Started, two events per iteration (MapIterationStarted
 * and Succeeded or Failed) and every event of its iterations' states, then Succeeded and Exited. That is
 * why an inline Map over many accounts runs out of history: its iterations are the parent's history. The
 * states of a Distributed Map's iterations are child executions with their own histories, and are counted
 * apart (per iteration) against the same limit.
 */
export class HistoryCounter {
  /** Events in the execution's own history. */
  events = 0;
  /** The largest history of one of its children (Distributed Map iterations). */
  largestChild = 0;
  /** State transitions, as Step Functions bills them (a state entered), its children's included. */
  transitions = 0;
  /** Task states entered (each a Lambda invocation, retries aside), its children's included. */
  tasks = 0;
  private readonly childStates = new Set<string>();
  private readonly distributedMaps = new Set<string>();
  private readonly stateTypes = new Map<string, string>();
  private readonly children_ = new Map<string, number>();

  constructor(
    definition: AslDefinition,
    /** States that are not Step Functions' own (the runner's item readers): not counted. */
    private readonly ignored: (state: string) => boolean = () => false,
  ) {
    for (const { states, inChild } of stateBlocks(definition as { States: Record<string, State> })) {
      for (const [name, state] of Object.entries(states)) {
        const known = this.stateTypes.get(name);
        // Events name states only by name: a name used twice cannot be told apart.
        if (known !== undefined && inChild !== this.childStates.has(name))
          throw new Error(
            `State name ${name} is used both in and out of a Distributed Map; counting needs unique names`,
          );
        this.stateTypes.set(name, String(state.Type));
        if (inChild) this.childStates.add(name);
        const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
        if (state.Type === "Map" && processor?.ProcessorConfig?.Mode === "DISTRIBUTED")
          this.distributedMaps.add(name);
      }
    }
  }

  /** Adds one interpreter event; returns the breach when the history (or a child's) has passed the limit. */
  add(event: EventLog): LimitBreach | undefined {
    if ("state" in event && this.ignored(event.state.name)) return undefined;
    if (event.type === "StateEntered") {
      this.transitions += 1;
      if (this.stateTypes.get(event.state.name) === "Task") this.tasks += 1;
    }
    const count = this.weigh(event);
    const state =
      "state" in event ? event.state.name : "parentState" in event ? event.parentState.name : undefined;
    const inChild =
      (state !== undefined && this.childStates.has(state) && !("parentState" in event)) ||
      ("parentState" in event && this.distributedMaps.has(event.parentState.name));
    if (inChild) {
      const key = String("index" in event ? event.index : "-");
      const child = (this.children_.get(key) ?? 0) + count;
      this.children_.set(key, child);
      this.largestChild = Math.max(this.largestChild, child);
      return child >= SFN_LIMITS.historyEvents ? this.breach("A Distributed Map iteration") : undefined;
    }
    this.events += count;
    return this.events >= SFN_LIMITS.historyEvents ? this.breach("The execution") : undefined;
  }

  /** Child executions (Distributed Map iterations) seen so far. */
  get children(): number {
    return this.children_.size;
  }

  private breach(who: string): LimitBreach {
    return {
      error: "States.Runtime",
      cause: `${who} reached Step Functions' limit of ${SFN_LIMITS.historyEvents} history events`,
    };
  }

  private weigh(event: EventLog): number {
    const type = "state" in event ? this.stateTypes.get(event.state.name) : undefined;
    switch (event.type) {
      case "ExecutionStarted":
      case "ExecutionSucceeded":
      case "ExecutionFailed":
      case "ExecutionAborted":
      case "ExecutionTimeout":
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed":
      case "ParallelBranchStarted":
      case "ParallelBranchSucceeded":
      case "ParallelBranchFailed":
      case "StateCaught":
        return 1;
      case "StateEntered":
        // TaskStateEntered + TaskScheduled + TaskStarted; MapStateEntered + MapStateStarted.
        return type === "Task" ? 3 : type === "Map" || type === "Parallel" ? 2 : 1;
      case "StateExited":
        // TaskSucceeded + TaskStateExited; MapStateSucceeded + MapStateExited.
        return type === "Task" || type === "Map" || type === "Parallel" ? 2 : 1;
      case "StateFailed":
        return 1;
      case "StateRetried":
        // TaskScheduled + TaskStarted again.
        return 2;
      default:
        return 1;
    }
  }
}
