/**
 * How many accounts a fan-out works on at once, from the limits its accounts share (they are all
 * called from the one account Quartermaster runs in); each member account's own limits
 * (CloudFormation, EC2) are its own and do not bound the fan-out. Quotas as AWS documents them.
 */
export const SHARED_LIMITS = {
  /** STS requests per second, per account and Region (IAM and STS quotas). */
  stsRequestsPerSecond: 600,
  /** The share of STS a fan-out may use: the rest is for vends, the API and everything else in the account. */
  stsShare: 0.25,
  /** Step Functions Standard state transitions per second, refill rate (800 outside the largest Regions). */
  transitionsPerSecond: 800,
  /** The share of transitions a fan-out may use. */
  transitionsShare: 0.5,
  /** Lambda concurrent executions of an account (default quota), and the 100 AWS keeps unreserved. */
  lambdaConcurrency: 1000,
  lambdaUnreserved: 100,
  /** Child executions of one Distributed Map at once. */
  distributedMapChildren: 10_000,
} as const;

/** What one item's work costs the shared limits, per task invocation. */
export interface FanoutProfile {
  /** Typical seconds of one task invocation (an empty account: assume the role, read every region). */
  taskSeconds: number;
  /** STS AssumeRole calls per invocation. */
  assumeRolesPerTask: number;
  /** State transitions per invocation (task, choice, and the wait or end). */
  transitionsPerTask: number;
  /** Lambda concurrency the stack reserves for the fan-out's other functions. */
  otherReserved: number;
}

/** One limit's bound on the concurrency, with the arithmetic that gives it. */
export interface ConcurrencyBound {
  limit: string;
  bound: number;
  arithmetic: string;
}

/**
 * The concurrency each shared limit allows, and the smallest of them. At concurrency C, with each
 * account running one task at a time of `taskSeconds`, at most C / taskSeconds tasks start a second
 * (Little's law), each using its STS calls and transitions; at most C tasks run at once, which is
 * what the stack reserves for the task function, so Lambda never throttles the fan-out.
 */
export function fanoutConcurrency(profile: FanoutProfile): { value: number; bounds: ConcurrencyBound[] } {
  const L = SHARED_LIMITS;
  const sts = (L.stsRequestsPerSecond * L.stsShare * profile.taskSeconds) / profile.assumeRolesPerTask;
  const transitions =
    (L.transitionsPerSecond * L.transitionsShare * profile.taskSeconds) / profile.transitionsPerTask;
  const lambda = L.lambdaConcurrency - L.lambdaUnreserved - profile.otherReserved;
  const bounds: ConcurrencyBound[] = [
    {
      limit: "STS AssumeRole",
      bound: Math.floor(sts),
      arithmetic: `${L.stsRequestsPerSecond}/s x ${L.stsShare} x ${profile.taskSeconds} s / ${profile.assumeRolesPerTask} call`,
    },
    {
      limit: "Step Functions transitions",
      bound: Math.floor(transitions),
      arithmetic: `${L.transitionsPerSecond}/s x ${L.transitionsShare} x ${profile.taskSeconds} s / ${profile.transitionsPerTask} transitions`,
    },
    {
      limit: "Lambda concurrency (reserved)",
      bound: lambda,
      arithmetic: `${L.lambdaConcurrency} - ${L.lambdaUnreserved} unreserved - ${profile.otherReserved} reserved elsewhere`,
    },
    {
      limit: "Distributed Map children",
      bound: L.distributedMapChildren,
      arithmetic: `${L.distributedMapChildren} child executions at once`,
    },
  ];
  return { value: Math.min(...bounds.map((b) => b.bound)), bounds };
}

/**
 * The clean-up's profile: one task per account step, which assumes the member role once and reads
 * or checks all of the account's regions at once (about 1.5 s for 17 regions); three transitions per
 * step (the task, the choice, the wait or the end).
 */
export const CLEANUP_PROFILE: FanoutProfile = {
  taskSeconds: 1.5,
  assumeRolesPerTask: 1,
  transitionsPerTask: 3,
  otherReserved: 0,
};

/** The clean-up's default concurrency: 200 accounts at once (Step Functions transitions bind first). */
export const DEFAULT_CLEANUP_CONCURRENCY = fanoutConcurrency(CLEANUP_PROFILE).value;

/** The most the configuration may ask: what Lambda leaves once AWS's 100 unreserved are kept. */
export const MAX_FANOUT_CONCURRENCY = SHARED_LIMITS.lambdaConcurrency - SHARED_LIMITS.lambdaUnreserved;
