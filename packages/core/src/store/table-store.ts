import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Where a store lives: the project's one DynamoDB table, through the retrying document client. */
export interface TableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Base of every store on the project's table (requests, clean-up runs, fingerprints, claims). */
export abstract class TableStore {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;

  constructor(options: TableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }
}
