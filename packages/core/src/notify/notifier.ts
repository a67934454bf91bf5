import { assertNever } from "../assert-never";
import type { CoreContext } from "../context";
import {
  APPROVAL_REQUESTED,
  type ApprovalRequested,
  ApprovalRequestedSchema,
  REQUEST_DECIDED,
  type RequestDecided,
  RequestDecidedSchema,
} from "../events/approvals";
import {
  SANDBOX_CLEANUP_COMPLETED,
  type SandboxCleanupCompleted,
  SandboxCleanupCompletedSchema,
} from "../events/cleanup";
import {
  ACCOUNT_CLOSED,
  type AccountClosed,
  AccountClosedSchema,
  CLOSURE_FAILED,
  CLOSURE_WAITING,
  type ClosureFailed,
  ClosureFailedSchema,
  type ClosureWaiting,
  ClosureWaitingSchema,
  LEASE_ENDING,
  type LeaseEnding,
  LeaseEndingSchema,
} from "../events/closures";
import { DRIFT_DETECTED, type DriftDetected, DriftDetectedSchema } from "../events/drift";
import {
  ACCOUNT_READY,
  ACCOUNT_VENDING_FAILED,
  type AccountReady,
  AccountReadySchema,
  type AccountVendingFailed,
  AccountVendingFailedSchema,
} from "../events/vending";
import { METRIC } from "../metrics";
import { approvalRequestMessage, decisionMessage } from "./approval-messages";
import {
  accountClosedMessage,
  closureFailedMessage,
  closureWaitingMessage,
  leaseEndingMessage,
} from "./closure-messages";
import {
  type DeliveryOptions,
  defaultDelivery,
  postToSlack,
  SlackPermanentError,
  SlackWebhookUrlError,
} from "./deliver";
import { driftDetectedMessage } from "./drift-messages";
import {
  accountReadyMessage,
  budgetAlertMessage,
  cleanupCompletedMessage,
  parseBudgetAlert,
  type SlackMessage,
  vendingFailedMessage,
} from "./messages";

/** Everything the notifier posts, one variant per source. */
export type Notification =
  | { kind: "account-ready"; id: string; detail: AccountReady & { portalUrl?: string } }
  | { kind: "vending-failed"; id: string; detail: AccountVendingFailed }
  | { kind: "cleanup-completed"; id: string; detail: SandboxCleanupCompleted }
  | { kind: "budget-alert"; id: string; message: string }
  | { kind: "approval-requested"; id: string; detail: ApprovalRequested }
  | { kind: "request-decided"; id: string; detail: RequestDecided }
  | { kind: "lease-ending"; id: string; detail: LeaseEnding }
  | { kind: "account-closed"; id: string; detail: AccountClosed }
  | { kind: "closure-waiting"; id: string; detail: ClosureWaiting }
  | { kind: "closure-failed"; id: string; detail: ClosureFailed }
  | { kind: "drift-detected"; id: string; detail: DriftDetected };

/** An EventBridge event as a Lambda target (or the local bus) receives it. */
export interface BusEvent {
  id: string;
  source: string;
  "detail-type": string;
  detail: Record<string, unknown>;
}

/** Maps a bus event to a notification; undefined for events the notifier does not post. */
export function fromBusEvent(event: BusEvent): Notification | undefined {
  const detailType = event["detail-type"];
  // `aws.states` failures are not posted from here: the execution monitor turns each into its domain
  // event (Account Vending Failed, Sandbox Cleanup Completed), which is posted, so one failure is one message.
  // The same schemas the publishers type their details with: a malformed event is refused, not posted half-empty.
  switch (detailType) {
    case ACCOUNT_READY:
      return { kind: "account-ready", id: event.id, detail: AccountReadySchema.parse(event.detail) };
    case ACCOUNT_VENDING_FAILED:
      return { kind: "vending-failed", id: event.id, detail: AccountVendingFailedSchema.parse(event.detail) };
    case SANDBOX_CLEANUP_COMPLETED: {
      const detail = SandboxCleanupCompletedSchema.parse(event.detail);
      // A closure's clean-up is part of the closure, which announces itself (closed, waiting or failed).
      return detail.trigger === "closure" ? undefined : { kind: "cleanup-completed", id: event.id, detail };
    }
    case APPROVAL_REQUESTED:
      return {
        kind: "approval-requested",
        id: event.id,
        detail: ApprovalRequestedSchema.parse(event.detail),
      };
    case REQUEST_DECIDED: {
      const detail = RequestDecidedSchema.parse(event.detail);
      // A decision made in Slack already replaced the approval message there (response_url): one message.
      return detail.via === "slack" ? undefined : { kind: "request-decided", id: event.id, detail };
    }
    case LEASE_ENDING:
      return { kind: "lease-ending", id: event.id, detail: LeaseEndingSchema.parse(event.detail) };
    case ACCOUNT_CLOSED:
      return { kind: "account-closed", id: event.id, detail: AccountClosedSchema.parse(event.detail) };
    case CLOSURE_WAITING:
      return { kind: "closure-waiting", id: event.id, detail: ClosureWaitingSchema.parse(event.detail) };
    case CLOSURE_FAILED:
      return { kind: "closure-failed", id: event.id, detail: ClosureFailedSchema.parse(event.detail) };
    case DRIFT_DETECTED:
      return { kind: "drift-detected", id: event.id, detail: DriftDetectedSchema.parse(event.detail) };
    default:
      return undefined;
  }
}

/** The Slack message for a notification. */
export function buildMessage(notification: Notification): SlackMessage {
  switch (notification.kind) {
    case "account-ready":
      return accountReadyMessage(notification.detail);
    case "vending-failed":
      return vendingFailedMessage(notification.detail);
    case "cleanup-completed":
      return cleanupCompletedMessage(notification.detail);
    case "budget-alert":
      return budgetAlertMessage(parseBudgetAlert(notification.message));
    case "approval-requested":
      return approvalRequestMessage(notification.detail);
    case "request-decided":
      return decisionMessage(notification.detail);
    case "lease-ending":
      return leaseEndingMessage(notification.detail);
    case "account-closed":
      return accountClosedMessage(notification.detail);
    case "closure-waiting":
      return closureWaitingMessage(notification.detail);
    case "closure-failed":
      return closureFailedMessage(notification.detail);
    case "drift-detected":
      return driftDetectedMessage(notification.detail);
    default:
      return assertNever(notification, "notification");
  }
}

export interface NotifierDeps {
  /** The webhook URL (an SST secret when deployed, SLACK_WEBHOOK_URL locally); never logged. */
  webhookUrl: () => Promise<string | undefined>;
  delivery?: DeliveryOptions;
  /** Counts a permanent (non-429 4xx) failure, e.g. as a CloudWatch metric. */
  onPermanentFailure: (status: number) => void;
  /** Where the message goes when no webhook is configured (local mode prints it). */
  print?: (text: string) => void;
}

export type NotifyOutcome = "posted" | "printed" | "duplicate" | "permanent-failure";

/**
 * Posts one notification at most once per event id. A permanent Slack failure is logged
 * and counted; a transient one is rethrown (so the event is retried) after releasing the id.
 */
export async function notify(
  ctx: Pick<CoreContext, "claims" | "logger" | "metrics">,
  deps: NotifierDeps,
  notification: Notification,
): Promise<NotifyOutcome> {
  if (!(await ctx.claims.claimEvent(notification.id))) {
    ctx.logger.info("Duplicate event delivery skipped", {
      eventId: notification.id,
      kind: notification.kind,
    });
    return "duplicate";
  }
  const message = buildMessage(notification);
  const url = await deps.webhookUrl();
  if (!url) {
    deps.print?.(renderText(message));
    return "printed";
  }
  try {
    await postToSlack(url, message, deps.delivery ?? defaultDelivery);
    return "posted";
  } catch (error) {
    if (error instanceof SlackPermanentError || error instanceof SlackWebhookUrlError) {
      const status = error instanceof SlackPermanentError ? error.status : 0;
      // The message and code only: the webhook URL is in neither (see SlackWebhookUrlError).
      ctx.logger.error("Slack rejected the notification permanently", {
        eventId: notification.id,
        status,
        code: error.code,
        reason: error.message,
      });
      // The service's dimension only, so the NotifierFailures alarm can watch it (the status is in the log).
      ctx.metrics.add(METRIC.slackDeliveryFailed, "Count", 1);
      deps.onPermanentFailure(status);
      return "permanent-failure";
    }
    await ctx.claims.releaseEvent(notification.id);
    throw error;
  }
}

// mrkdwn bold (`*Account:*`): only the markers go, a `*` inside a value stays.
const BOLD = /(?<![\w*])\*([^*\n]+)\*(?![\w*])/g;

/** A readable rendition of a Block Kit message for terminals. */
export function renderText(message: SlackMessage): string {
  const lines = message.blocks.flatMap((block) => {
    const text = (block.text as { text?: string } | undefined)?.text;
    if (!text) return [];
    return block.type === "header" ? [`== ${text} ==`] : [text.replace(/```/g, "").replace(BOLD, "$1")];
  });
  return ["[slack]", ...lines].join("\n");
}
