/**
 * Each function's IAM policies, read from the synthesized templates and resolved into the local
 * world: every intrinsic (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::GetStackOutput,
 * Fn::ImportValue and the pseudo parameters) becomes a concrete string (intrinsics.ts), and every
 * reference to a table, queue, secret or state machine becomes the ARN of its local stand-in —
 * built by local/iam/arns.ts, the same code that turns a request to a local endpoint into the ARN
 * it is authorized against. What is enforced locally is therefore exactly what CloudFormation would
 * attach to the function's role, with local names.
 *
 * A function's role collects: the AWS::IAM::Policy resources attached to it (the CDK's
 * DefaultPolicy with every grant), AWS::IAM::ManagedPolicy resources, inline Policies, and AWS
 * managed policies by ARN (their documents are below: they are not in the template).
 */
import type { TableId } from '../../contracts/manifest/tables';
import type { QueueId } from '../../contracts/manifest/queues';
import { LOCAL_SCOPE, assumedRoleArn, eventBusArn, localFunctionName, localRoleName, queueArn, queueArnFromUrl, roleArn, tableArn, type ArnScope } from './arns';
import type { AppTemplates, CfnResource } from './templates';
import { constructPath, queueOf, tableOf, type ResourceReference } from '../synthesized-app';
import { asArray, obj, templateResolver, type StandIn } from './intrinsics';

/** The local stand-ins of the app's resources (the local stack's names; what it provisions). */
export interface LocalResourceNames {
  /** Table id → local table name. */
  readonly tables: Readonly<Record<TableId, string>>;
  /** Queue id → local queue URL and DLQ URL. */
  readonly queues: { readonly queues: Readonly<Record<QueueId, string>>; readonly dlqs: Readonly<Record<QueueId, string>> };
  readonly stateMachineArn: string;
  /** A secret's full ARN in the local Secrets Manager, by the name it is stored under there. */
  readonly secretArn: (name: string) => string;
  /**
   * The name the local stack stores a template's secret under, when it differs from the template's
   * (from sources the local stack keeps its own names, e.g. tracepool/local/trackier).
   * @default the template's name
   */
  readonly localSecretName?: (templateName: string, secret: SecretInfo) => string;
  /** @default LOCAL_SCOPE (us-east-1, 000000000000) */
  readonly scope?: ArnScope;
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: PolicyStatement[];
}

/** One action on one resource pattern that a function's policies allow (the report's unit). */
export interface Grant {
  /** As written, e.g. `dynamodb:GetItem` (may hold wildcards). */
  readonly action: string;
  /** The resolved ARN pattern, e.g. arn:aws:dynamodb:us-east-1:000000000000:table/tracepool-Catalog. */
  readonly resource: string;
  /**
   * The same pattern with the app's resources named by their construct instead of their local
   * name (`…:table/{Catalog}/index/free`): the same in every local run whatever the table prefix,
   * so runs can be added up in the report.
   */
  readonly label: string;
  /** The policy it comes from (a logical id, or the managed policy's name). */
  readonly policy: string;
}

export interface FunctionPolicy {
  readonly functionId: string;
  readonly stackName: string;
  readonly functionLogicalId: string;
  readonly roleLogicalId: string;
  readonly roleName: string;
  readonly roleArn: string;
  /** The assumed-role ARN its calls are made as (session: the function's name). */
  readonly principalArn: string;
  /** Identity policies, resolved, as the evaluator takes them. */
  readonly documents: readonly { readonly name: string; readonly document: PolicyDocument }[];
  /** Allow statements flattened to action × resource (NotAction/NotResource statements are not flattened). */
  readonly grants: readonly Grant[];
  /** Condition keys the policies test (none today; see evaluate.ts for the ones supplied). */
  readonly conditionKeys: readonly string[];
  /** Queues (ARN and label) that Lambda reads for this function through an SQS event source mapping. */
  readonly eventSourceQueues: readonly { readonly arn: string; readonly label: string }[];
}

export interface AppPolicies {
  /** Function id → its policies. */
  readonly functions: Readonly<Record<string, FunctionPolicy>>;
  /** What could not be resolved or is not known locally (it can only deny, never allow). */
  readonly warnings: readonly string[];
}

/**
 * AWS managed policies a template can only name by ARN. Only the ones Lambda roles use; any other
 * is reported as a warning and contributes nothing (so it can only make calls fail, never pass).
 */
const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
  'service-role/AWSLambdaSQSQueueExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
  AWSXRayDaemonWriteAccess: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
        Resource: '*',
      },
    ],
  },
};

/** What a template's secret is for, from its construct path. */
export interface SecretInfo {
  readonly cdkPath: string;
  /** trackier: the Trackier API secret; provider: a proxy provider's credentials. */
  readonly role: 'trackier' | 'provider' | 'other';
  readonly provider?: string;
}

export function secretInfo(cdkPath: string): SecretInfo {
  const provider = /\/Provider-([^/]+)\//.exec(cdkPath)?.[1];
  if (provider) return { cdkPath, role: 'provider', provider };
  return { cdkPath, role: /\/TrackierApi\//.test(cdkPath) ? 'trackier' : 'other' };
}

function functionIdOf(logicalId: string, resource: CfnResource): string {
  const cdkPath = String(resource.Metadata?.['aws:cdk:path'] ?? '');
  const fromPath = cdkPath.split('/')[1];
  return fromPath || logicalId.replace(/[0-9A-F]{8}$/, '');
}

/**
 * Resolves a whole app's function policies against the local stand-ins. Functions whose role
 * cannot be found get no entry and a warning (their calls are then refused as unknown callers).
 */
export function functionPoliciesFromTemplates(templates: AppTemplates, local: LocalResourceNames): AppPolicies {
  const scope = local.scope ?? LOCAL_SCOPE;
  const warnings: string[] = [];
  const warnOnce = (message: string) => {
    if (!warnings.includes(message)) warnings.push(message);
  };

  const unresolved = (reference: ResourceReference) => {
    warnOnce(`no local stand-in for ${reference.attribute} of ${reference.type} ${reference.cdkPath || reference.logicalId}: statements naming it match nothing locally`);
    return `arn:aws:unresolved:${scope.region}:${scope.account}:${reference.stackName}/${reference.logicalId}/${reference.attribute}`;
  };

  /** The local value of a reference: names, URLs, ARNs of the local stand-ins. */
  const localValue: StandIn = (reference) => {
    const table = tableOf(reference);
    if (table) {
      const name = local.tables[table];
      if (reference.attribute === 'Ref') return name;
      if (reference.attribute === 'Arn') return tableArn(name, scope);
      return unresolved(reference);
    }
    const queue = queueOf(reference);
    if (queue) {
      const url = queue.dlq ? local.queues.dlqs[queue.id] : local.queues.queues[queue.id];
      if (reference.attribute === 'Ref' || reference.attribute === 'QueueUrl') return url;
      if (reference.attribute === 'Arn') return queueArnFromUrl(url, scope);
      if (reference.attribute === 'QueueName') return url.split('/').pop() ?? '';
      return unresolved(reference);
    }
    return commonValue(reference, local.stateMachineArn, (name) => local.secretArn(local.localSecretName?.(name, secretInfo(reference.cdkPath)) ?? name));
  };

  /** The same value with the app's resources named by construct: stable across local runs. */
  const labelValue: StandIn = (reference) => {
    const table = tableOf(reference);
    if (table) return reference.attribute === 'Ref' ? `{${table}}` : tableArn(`{${table}}`, LOCAL_SCOPE);
    const queue = queueOf(reference);
    if (queue) {
      const name = `{${queue.id}${queue.dlq ? 'Dlq' : ''}}`;
      return reference.attribute === 'Arn' ? queueArn(name, LOCAL_SCOPE) : name;
    }
    return commonValue(reference, 'arn:aws:states:us-east-1:000000000000:stateMachine:{trace}', (name) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:{${name}}`);
  };

  function commonValue(reference: ResourceReference, stateMachine: string, secretArn: (name: string) => string): string {
    const { type, attribute, properties } = reference;
    if (type === 'AWS::SecretsManager::Secret' && (attribute === 'Ref' || attribute === 'Id') && typeof properties.Name === 'string') return secretArn(properties.Name);
    if (type === 'AWS::StepFunctions::StateMachine' && (attribute === 'Ref' || attribute === 'Arn')) return stateMachine;
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn') {
      const id = constructPath(reference)[0] ?? reference.logicalId;
      return `arn:aws:lambda:${scope.region}:${scope.account}:function:${localFunctionName(id)}`;
    }
    if (type === 'AWS::Events::EventBus' && (attribute === 'Arn' || attribute === 'Ref') && typeof properties.Name === 'string') {
      return attribute === 'Ref' ? properties.Name : eventBusArn(properties.Name, scope);
    }
    return unresolved(reference);
  }

  const { resolveString, resolveDocument } = templateResolver(templates, scope);

  const functions: Record<string, FunctionPolicy> = {};
  for (const [stackName, template] of templates) {
    const resources = template.Resources;
    for (const [fnLogicalId, fn] of Object.entries(resources)) {
      if (fn.Type !== 'AWS::Lambda::Function') continue;
      const functionId = functionIdOf(fnLogicalId, fn);
      const where = `${functionId} (${stackName}/${fnLogicalId})`;
      const roleRef = obj(fn.Properties?.Role)?.['Fn::GetAtt'];
      const roleLogicalId = Array.isArray(roleRef) ? String(roleRef[0]) : typeof roleRef === 'string' ? roleRef.split('.')[0] : undefined;
      const role = roleLogicalId ? resources[roleLogicalId] : undefined;
      if (!roleLogicalId || role?.Type !== 'AWS::IAM::Role') {
        warnOnce(`${where}: its role is not a role of the template, so its calls cannot be authorized locally`);
        continue;
      }
      const attachedTo = (r: CfnResource) => asArray(r.Properties?.Roles as unknown[]).some((x) => obj(x)?.Ref === roleLogicalId);

      // Each document with its name, resolved twice: with local names (enforced) and construct labels (report).
      const sources: { name: string; document: unknown; stack: string }[] = [];
      for (const [logicalId, r] of Object.entries(resources)) {
        if ((r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && attachedTo(r)) {
          sources.push({ name: logicalId, document: r.Properties?.PolicyDocument, stack: stackName });
        }
      }
      for (const inline of asArray(role.Properties?.Policies as unknown[])) {
        const p = obj(inline);
        if (p) sources.push({ name: String(p.PolicyName ?? 'inline'), document: p.PolicyDocument, stack: stackName });
      }
      for (const managed of asArray(role.Properties?.ManagedPolicyArns as unknown[])) {
        const ref = obj(managed)?.Ref;
        const customer = typeof ref === 'string' ? resources[ref] : undefined;
        if (customer?.Type === 'AWS::IAM::ManagedPolicy') {
          if (!attachedTo(customer)) sources.push({ name: String(ref), document: customer.Properties?.PolicyDocument, stack: stackName });
          continue;
        }
        const arn = resolveString(stackName, managed, localValue, where);
        const awsName = /^arn:aws:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
        const document = awsName ? AWS_MANAGED_POLICIES[awsName] : undefined;
        if (document) sources.push({ name: awsName!, document, stack: stackName });
        else warnOnce(`${where}: managed policy ${arn} is not known locally and grants nothing here`);
      }

      const documents: { name: string; document: PolicyDocument }[] = [];
      const grants: Grant[] = [];
      const conditionKeys = new Set<string>();
      for (const source of sources) {
        const document = resolveDocument(source.stack, source.document, localValue, `${where} ${source.name}`);
        const labelled = resolveDocument(source.stack, source.document, labelValue, `${where} ${source.name}`);
        documents.push({ name: source.name, document });
        document.Statement.forEach((statement, i) => {
          for (const pairs of Object.values(statement.Condition ?? {})) for (const key of Object.keys(pairs)) conditionKeys.add(key);
          if (statement.Effect !== 'Allow' || statement.NotAction || statement.NotResource) return;
          const labels = asArray(labelled.Statement[i]?.Resource);
          asArray(statement.Resource).forEach((resource, j) => {
            for (const action of asArray(statement.Action)) grants.push({ action, resource, label: labels[j] ?? resource, policy: source.name });
          });
        });
      }

      const eventSourceQueues: { arn: string; label: string }[] = [];
      for (const r of Object.values(resources)) {
        if (r.Type !== 'AWS::Lambda::EventSourceMapping' || obj(r.Properties?.FunctionName)?.Ref !== fnLogicalId) continue;
        eventSourceQueues.push({
          arn: resolveString(stackName, r.Properties?.EventSourceArn, localValue, where),
          label: resolveString(stackName, r.Properties?.EventSourceArn, labelValue, where),
        });
      }

      const roleName = localRoleName(stackName, roleLogicalId);
      functions[functionId] = {
        functionId,
        stackName,
        functionLogicalId: fnLogicalId,
        roleLogicalId,
        roleName,
        roleArn: roleArn(roleName, scope.account),
        principalArn: assumedRoleArn(roleName, localFunctionName(functionId), scope.account),
        documents,
        grants,
        conditionKeys: [...conditionKeys].sort(),
        eventSourceQueues,
      };
    }
  }
  return { functions, warnings };
}
