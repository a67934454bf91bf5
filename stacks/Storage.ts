import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EventBus, type StackContext, Table } from "sst/constructs";
import { TABLE_KEYS } from "../packages/core/src/store/table";

/** Days a fan-out's item list is kept (a run's report lives in the table; the list only feeds its map). */
export const ITEMS_RETENTION_DAYS = 30;

/** Requests and clean-up runs (DynamoDB), the fan-out engine's items bucket and the project's event bus. */
export function Storage({ stack }: StackContext) {
  const [byCreated, byStatus] = TABLE_KEYS.indexes;
  const table = new Table(stack, "Requests", {
    fields: {
      pk: "string",
      sk: "string",
      gsi1pk: "string",
      gsi1sk: "string",
      gsi2pk: "string",
      gsi2sk: "string",
    },
    primaryIndex: { partitionKey: TABLE_KEYS.partitionKey, sortKey: TABLE_KEYS.sortKey },
    globalIndexes: {
      [byCreated.name]: { partitionKey: byCreated.partitionKey, sortKey: byCreated.sortKey },
      [byStatus.name]: { partitionKey: byStatus.partitionKey, sortKey: byStatus.sortKey },
    },
    timeToLiveAttribute: "expiresAt",
    cdk: { table: { pointInTimeRecovery: true } },
  });
  // The fan-out engine's item lists (a run's accounts), read by its Distributed Maps' ItemReader.
  const itemsBucket = new Bucket(stack, "FanoutItems", {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    lifecycleRules: [{ prefix: "fanout/", expiration: Duration.days(ITEMS_RETENTION_DAYS) }],
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: false,
  });
  const bus = new EventBus(stack, "Bus");
  const budgetTopic = new Topic(stack, "BudgetAlerts", {
    displayName: "Quartermaster budget alerts",
    enforceSSL: true,
  });
  // AWS Budgets publishes the alerts; only for budgets of this account.
  budgetTopic.addToResourcePolicy(
    new PolicyStatement({
      actions: ["sns:Publish"],
      principals: [new ServicePrincipal("budgets.amazonaws.com")],
      resources: [budgetTopic.topicArn],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );
  return { table, bus, budgetTopic, itemsBucket };
}
