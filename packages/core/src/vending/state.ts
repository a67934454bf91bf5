import type { ResolvedRequest } from "../store/requests/record";
import type { VendRequest } from "../store/requests/request";

/** The workflow input: what `POST /accounts` validated and resolved. */
export interface VendInput {
  requestId: string;
  request: VendRequest;
  resolved: ResolvedRequest;
}

export interface CreateResult {
  /** Set when the account already existed (adopted) or creation finished synchronously. */
  accountId?: string;
  createRequestId?: string;
  /** When CreateAccount was requested: the creation's deadline counts from here. */
  requestedAt?: string;
  adopted: boolean;
}

export interface CreationProgress {
  done: boolean;
  accountId?: string;
  attempt: number;
  /** When polling began (ISO time): the deadline counts from here. */
  since: string;
  waitSeconds: number;
  /**
   * The task armed its token and waits for the creation's event (or the fallback): this result is
   * not the task's output, which comes with the token's completion.
   */
  waiting?: boolean;
  /** A creation event said the creation ended: the next check allows for a status that lags behind it. */
  woken?: boolean;
}

export interface GrantResult {
  /** CreateAccountAssignment request ids still to await. */
  pending: string[];
  /** More assignments remain to be created after these complete (10-outstanding limit). */
  more: boolean;
  created: number;
  skipped: number;
  startedAt: string;
}

export interface GrantProgress {
  done: boolean;
  more: boolean;
  attempt: number;
  since: string;
  waitSeconds: number;
  /** The assignment requests still in progress: the next check asks about these only. */
  remaining?: string[];
}

/**
 * What each stage returns, in the workflow state's slot named after the stage (`$.<stage>`).
 * The stage table (`stages.ts`) must have exactly these keys, each stage returning its slot's type.
 */
export interface StageSlots {
  create: CreateResult;
  awaitCreation: CreationProgress;
  place: { moved: boolean; ouId: string };
  grant: GrantResult;
  awaitGrants: GrantProgress;
  budget: { budgetName: string; outcome: "created" | "updated" | "unchanged" };
  tag: { tagged: number };
  record: { accountId: string };
}

/** The state object that flows through `vend-account`: the input plus each stage's result so far. */
export type VendState = VendInput & Partial<StageSlots>;

/**
 * True for an account this request's own CreateAccount made (not adopted): it starts in the root,
 * with the request's tags, and nothing else assigned or budgeted, so later stages skip their reads.
 */
export function createdByThisRequest(state: VendState): boolean {
  return state.create?.adopted === false && state.create.createRequestId !== undefined;
}

/** The account id once creation has finished, or an error naming the missing step. */
export function accountIdOf(state: VendState): string {
  const id = state.awaitCreation?.accountId ?? state.create?.accountId;
  if (!id) throw new Error("The workflow state has no account id: creation has not completed");
  return id;
}

/** What a stage's task is called with besides the state: a callback stage's task token. */
export interface StageCall {
  taskToken?: string;
}
