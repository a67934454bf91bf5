import type { ResolvedRequest } from "../store/requests/record";
import type { VendRequest } from "./request";

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
  adopted: boolean;
}

export interface CreationProgress {
  done: boolean;
  accountId?: string;
  attempt: number;
  /** When polling began (ISO time): the deadline counts from here. */
  since: string;
  waitSeconds: number;
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
}

/** The state object that flows through `vend-account`: the input plus each step's result. */
export interface VendState extends VendInput {
  create?: CreateResult;
  creation?: CreationProgress;
  grant?: GrantResult;
  grants?: GrantProgress;
}

/** The account id once creation has finished, or an error naming the missing step. */
export function accountIdOf(state: VendState): string {
  const id = state.creation?.accountId ?? state.create?.accountId;
  if (!id) throw new Error("The workflow state has no account id: creation has not completed");
  return id;
}
