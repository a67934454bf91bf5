/** A synthesised CloudFormation template, as JSON. */
export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
}

/** Where the app is deployed: the values CloudFormation gives its pseudo parameters. */
export interface DeployTarget {
  account: string;
  region: string;
}

/**
 * Resolves CloudFormation's intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split,
 * Fn::Sub, Fn::ImportValue across the app's stacks) to the values a deploy would give them, so a test
 * can read a policy's resources as the ARNs IAM will see. Physical names follow AWS's formats; a
 * resource without an explicit name gets its logical id as its name.
 */
export class TemplateResolver {
  constructor(
    private readonly stacks: Record<string, TemplateJson>,
    private readonly target: DeployTarget,
  ) {}

  /** The value of `value` as deployed in stack `stack`. */
  resolve(stack: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length !== 1 || !key)
      return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
    switch (key) {
      case "Ref":
        return this.ref(stack, arg as string);
      case "Fn::GetAtt": {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(".");
        return this.getAtt(stack, id as string, attribute as string);
      }
      case "Fn::Join": {
        const [separator, parts] = arg as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).join(separator);
      }
      case "Fn::Select": {
        const [index, list] = arg as [number | string, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(index)];
      }
      case "Fn::Split": {
        const [separator, text] = arg as [string, unknown];
        return String(this.resolve(stack, text)).split(separator);
      }
      case "Fn::ImportValue":
        return this.importValue(String(this.resolve(stack, arg)));
      case "Fn::Sub": {
        const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return String(this.resolve(stack, vars[name]));
          const [id, attribute] = name.split(".");
          return String(attribute ? this.getAtt(stack, id as string, attribute) : this.ref(stack, name));
        });
      }
      default:
        return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
    }
  }

  /** Every stack's resources of a type, with the stack each is in. */
  resources(type: string): { stack: string; id: string; properties: Record<string, unknown> }[] {
    return Object.entries(this.stacks).flatMap(([stack, template]) =>
      Object.entries(template.Resources)
        .filter(([, r]) => r.Type === type)
        .map(([id, r]) => ({ stack, id, properties: r.Properties ?? {} })),
    );
  }

  private resource(stack: string, id: string) {
    const found = this.stacks[stack]?.Resources[id];
    if (!found) throw new Error(`No resource ${id} in stack ${stack}`);
    return found;
  }

  private ref(stack: string, id: string): unknown {
    const { account, region } = this.target;
    const pseudo: Record<string, string> = {
      "AWS::AccountId": account,
      "AWS::Region": region,
      "AWS::Partition": "aws",
      "AWS::URLSuffix": "amazonaws.com",
      "AWS::StackName": stack,
    };
    if (id in pseudo) return pseudo[id];
    const parameter = this.stacks[stack]?.Parameters?.[id];
    if (parameter) return parameter.Default;
    const resource = this.resource(stack, id);
    const name = this.nameOf(stack, id);
    switch (resource.Type) {
      case "AWS::StepFunctions::StateMachine":
      case "AWS::SNS::Topic":
        return this.getAtt(stack, id, "Arn");
      case "AWS::SQS::Queue":
        return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      default:
        return name;
    }
  }

  private nameOf(stack: string, id: string): string {
    const resource = this.resource(stack, id);
    const p = resource.Properties ?? {};
    const explicit =
      p.StateMachineName ??
      p.FunctionName ??
      p.TableName ??
      p.QueueName ??
      p.TopicName ??
      p.RoleName ??
      p.Name;
    return explicit === undefined ? id : String(this.resolve(stack, explicit));
  }

  private getAtt(stack: string, id: string, attribute: string): unknown {
    const { account, region } = this.target;
    const resource = this.resource(stack, id);
    const name = this.nameOf(stack, id);
    const arns: Record<string, string> = {
      "AWS::StepFunctions::StateMachine": `arn:aws:states:${region}:${account}:stateMachine:${name}`,
      "AWS::Lambda::Function": `arn:aws:lambda:${region}:${account}:function:${name}`,
      "AWS::DynamoDB::Table": `arn:aws:dynamodb:${region}:${account}:table/${name}`,
      "AWS::Events::EventBus": `arn:aws:events:${region}:${account}:event-bus/${name}`,
      "AWS::SQS::Queue": `arn:aws:sqs:${region}:${account}:${name}`,
      "AWS::SNS::Topic": `arn:aws:sns:${region}:${account}:${name}`,
      "AWS::IAM::Role": `arn:aws:iam::${account}:role/${name}`,
      "AWS::Events::Rule": `arn:aws:events:${region}:${account}:rule/${name}`,
      "AWS::S3::Bucket": `arn:aws:s3:::${name}`,
    };
    if (attribute === "Arn" || attribute === "TopicArn") {
      const arn = arns[resource.Type];
      if (!arn) throw new Error(`No ARN format for ${resource.Type} (${stack}/${id})`);
      return arn;
    }
    if (attribute === "Name" || attribute === "QueueName" || attribute === "TopicName") return name;
    if (attribute === "QueueUrl") return this.ref(stack, id);
    throw new Error(`Attribute ${attribute} of ${resource.Type} is not resolved (${stack}/${id})`);
  }

  private importValue(exportName: string): unknown {
    for (const [stack, template] of Object.entries(this.stacks)) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export && this.resolve(stack, output.Export.Name) === exportName)
          return this.resolve(stack, output.Value);
      }
    }
    throw new Error(`No stack exports ${exportName}`);
  }
}
