import type { CoreContext } from "../context";
import type { VendStep } from "../store/requests/record";
import { awaitCreation } from "./await-creation";
import { awaitGrants } from "./await-grants";
import { provisionBudget } from "./budget";
import { CREATE_SLOT_RETRY, createAccount } from "./create";
import { grantAccess } from "./grant";
import { placeAccount } from "./place";
import { recordSuccess } from "./record";
import type { StageCall, StageSlots, VendState } from "./state";
import { tagAccount } from "./tag";

/**
 * How long a vend waits for Organizations' `CreateAccountResult` event before it checks the
 * creation's status itself (a lost event, or a home region other than us-east-1, where the event
 * is not delivered). AWS takes one to a few minutes to create an account.
 */
export const CREATION_FALLBACK_SECONDS = 300;

/** How one stage of `vend-account` runs and sits in the workflow. */
interface StageSpec<Result> {
  /** The core function the stage's task runs; what it returns fills the stage's slot. */
  run: (ctx: CoreContext, state: VendState, call: StageCall) => Promise<Result>;
  /** The request step the stage reports under (`steps` in the record), or null for none. */
  step: VendStep | null;
  /** A polling stage: while its result's `done` is false, the workflow waits its `waitSeconds` and runs it again. */
  poll?: {
    waitState: string;
    /** When done with `more` set, the workflow goes back to this stage (the next batch). */
    moreGoesTo?: string;
  };
  /**
   * A callback stage: its task gets a task token and the workflow waits until the token is completed
   * (by the task itself when it has its answer, or by an event), or `fallbackSeconds` pass; then the
   * task runs again. While the result's `done` is false the task runs again too.
   */
  callback?: { fallbackSeconds: number };
  /** Retry policies beyond every task's own (see `taskRetry`). */
  extraRetry?: Record<string, unknown>[];
}

/**
 * The one table of vend stages, in order. A stage's name is its task, its handler, its file, its
 * slot in the workflow state (`$.<stage>`) and, capitalised, its state; the definition, the
 * recorded steps and the handlers' dispatch are derived from this table. `awaitGrants` reports
 * under the `grant` step, which spans the batches of assignments; `record` is not a step.
 */
export const VEND_STAGES = {
  create: { run: createAccount, step: "create", extraRetry: [CREATE_SLOT_RETRY] },
  awaitCreation: {
    run: awaitCreation,
    step: "awaitCreation",
    callback: { fallbackSeconds: CREATION_FALLBACK_SECONDS },
  },
  place: { run: placeAccount, step: "place" },
  grant: { run: grantAccess, step: "grant" },
  awaitGrants: { run: awaitGrants, step: "grant", poll: { waitState: "WaitForGrants", moreGoesTo: "grant" } },
  budget: { run: provisionBudget, step: "budget" },
  tag: { run: tagAccount, step: "tag" },
  record: { run: recordSuccess, step: null },
} as const satisfies { [S in keyof StageSlots]: StageSpec<StageSlots[S]> };

export type VendStage = keyof typeof VEND_STAGES;

/** The stages in workflow order. */
export const VEND_STAGE_NAMES = Object.keys(VEND_STAGES) as VendStage[];

/** A recorded step no stage reports under: none, or the type check fails on `VEND_STEPS`. */
type UnreportedStep = Exclude<VendStep, NonNullable<(typeof VEND_STAGES)[VendStage]["step"]>>;

/** The recorded steps in workflow order, derived from the table (the record lists them in this order). */
export const VEND_STEPS: readonly VendStep[] = [
  ...new Set(VEND_STAGE_NAMES.flatMap((stage) => VEND_STAGES[stage].step ?? [])),
] satisfies [UnreportedStep] extends [never] ? VendStep[] : never;
