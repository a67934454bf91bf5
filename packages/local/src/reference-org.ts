/** The reference organisation, used by local mode, the demo and the tests. */
export const REFERENCE_ORG = {
  ous: [
    "Workloads/Development",
    "Workloads/QA",
    "Workloads/Production",
    "Shared/Security",
    "Sandbox",
    "Marketplace",
    // Closed accounts are moved here (leases.closedOu).
    "Suspended",
  ],
  groups: ["Admin", "Developers"],
  /** Identity Center users, one per group at least, so a `group:Admin` approval can be tried locally. */
  users: [
    { email: "ada@example.com", name: "Ada", group: "Admin" },
    { email: "linus@example.com", name: "Linus", group: "Developers" },
  ],
  permissionSets: [
    { name: "AdministratorAccess", sessionDuration: "PT4H" },
    { name: "ReadOnlyAccess", sessionDuration: "PT1H" },
  ],
  sandboxAccounts: [
    { name: "Workshops", email: "aws+workshops@example.com", ou: "Sandbox" },
    { name: "Experiments", email: "aws+experiments@example.com", ou: "Sandbox" },
  ],
  /** Stacks seeded in each sandbox account's home region; the protected one must survive clean-up. */
  sandboxStacks: [
    { name: "demo-app", protect: false },
    { name: "demo-data", protect: false },
    { name: "demo-guardrails", protect: true },
  ],
} as const;

/** A tiny template moto can create: one SNS topic. */
export function topicTemplate(options: { exportName?: string; importName?: string } = {}): string {
  const resources: Record<string, unknown> = {
    Topic: {
      Type: "AWS::SNS::Topic",
      Properties: options.importName ? { DisplayName: { "Fn::ImportValue": options.importName } } : {},
    },
  };
  const template: Record<string, unknown> = { AWSTemplateFormatVersion: "2010-09-09", Resources: resources };
  if (options.exportName) {
    template.Outputs = { TopicArn: { Value: { Ref: "Topic" }, Export: { Name: options.exportName } } };
  }
  return JSON.stringify(template);
}
