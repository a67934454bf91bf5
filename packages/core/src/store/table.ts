/** Key layout of the single DynamoDB table; the Storage stack and local mode both build it from this. */
export const TABLE_KEYS = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes: [
    { name: "byCreated", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    { name: "byStatus", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  ],
} as const;
