import type { Logger } from "@aws-lambda-powertools/logger";
import type { AwsClients } from "./aws/clients";
import type { RetryPolicy } from "./aws/retry";
import type { Config } from "./config/config";
import type { EventPublisher } from "./events/publisher";
import type { MetricsSink } from "./metrics";
import type { BaselineStore } from "./store/baseline-plans";
import type { FingerprintStore } from "./store/budget-fingerprints";
import type { CleanupStore } from "./store/cleanup-runs/store";
import type { ClosureStore } from "./store/closures";
import type { CreationWaits } from "./store/creation-waits";
import type { DriftStore } from "./store/drift-checks";
import type { EventClaims } from "./store/event-claims";
import type { ReconcileJobStore } from "./store/reconcile-jobs";
import type { RequestStore } from "./store/requests/store";
import type { Semaphore } from "./store/semaphore";
import type { WorkflowRunner } from "./workflow/runner";

/** Everything a core function needs, passed in: real clients in Lambda, fakes in unit tests. */
export interface CoreContext {
  clients: AwsClients;
  config: Config;
  store: RequestStore;
  runs: CleanupStore;
  /** The budget spec last applied per budget name. */
  fingerprints: FingerprintStore;
  /** Event ids claimed by the notifier (deduplication of redeliveries). */
  claims: EventClaims;
  /** Account closures (`POST /accounts/{id}/close`, ended leases). */
  closures: ClosureStore;
  /** Background budget reconciles (`POST /budgets/reconcile`). */
  reconciles: ReconcileJobStore;
  /** Baseline plans, their changes, and the baseline last applied. */
  baselines: BaselineStore;
  /** Drift checks of the vended accounts and the baseline, and their repairs. */
  drift: DriftStore;
  /** Vends waiting for their account's creation, and the creation events that resume them. */
  creationWaits: CreationWaits;
  /** CreateAccount slots: AWS allows 5 account creations in flight per organisation. */
  createSlots: Semaphore;
  logger: Logger;
  /** Operator metrics (EMF in Lambda); local mode records none. */
  metrics: MetricsSink;
  clock: () => Date;
  retry: RetryPolicy;
  workflows: WorkflowRunner;
  events: EventPublisher;
  /** Project resources handlers need by name (from the environment or local mode). */
  resources: {
    budgetTopicArn?: string;
    /** The bucket where a fan-out's items are written for its Distributed Map to read. */
    itemsBucket?: string;
  };
}
