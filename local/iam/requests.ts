/**
 * What a request to a local AWS endpoint asks for, in IAM's terms: who calls (the access key id
 * of its SigV4 signature), and each (action, resource ARN) AWS authorizes before serving it.
 *
 * Local enforcement is about catching missing grants, not about authenticating: the caller is
 * identified by the key id in the signature's Credential and the signature itself is not checked
 * (every local key's secret is public anyway). A request that names a key of no function is
 * refused by the gateway, as AWS refuses an unknown key.
 *
 * Protocols: JSON (X-Amz-Target: DynamoDB_20120810.*, AmazonSQS.*, AWSStepFunctions.*,
 * secretsmanager.*, AWSEvents.*, GraniteServiceVersion20100801.*) and the query protocol
 * (form-encoded Action=…, SQS and CloudWatch) — what the functions' SDK clients and the click's
 * lean JSON client send. Operations the functions never call still map to `<service>:<Operation>`
 * on the resource the request names, which is IAM's rule for nearly every API.
 */
import { LOCAL_SCOPE, eventBusArn, indexArn, queueArn, queueArnFromUrl, secretArnOf, tableArnOf, type ArnScope } from './arns';

export type AwsService = 'dynamodb' | 'sqs' | 'states' | 'secretsmanager' | 'events' | 'cloudwatch';
export type WireProtocol = 'json' | 'query';

export interface AuthorizationCheck {
  /** `service:Action`, as policies name it. */
  readonly action: string;
  /** The ARN AWS authorizes against, or `*` for APIs that name no resource. */
  readonly resource: string;
}

export interface ParsedRequest {
  /** The signature's access key id; undefined when the request is not signed. */
  readonly accessKeyId?: string;
  readonly service: AwsService;
  readonly operation: string;
  readonly protocol: WireProtocol;
  /** Every authorization the request needs; all must pass. */
  readonly checks: readonly AuthorizationCheck[];
}

export interface RawRequest {
  readonly method: string;
  /** Path and query string, as Node's IncomingMessage.url. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer | string;
}

export interface RequestContext {
  /** Region and account of local ARNs. @default LOCAL_SCOPE */
  readonly scope?: ArnScope;
  /**
   * The account local SQS puts in its queue URLs and ARNs (queue ARNs are taken from the URL when
   * there is one; GetQueueUrl by name has only this). @default scope.account
   */
  readonly sqsAccount?: string;
  /** A secret's full ARN by name (the local Secrets Manager's naming). */
  readonly secretArn: (name: string) => string;
  /** The queues whose dead letters a DLQ holds: where a move task without DestinationArn sends them. */
  readonly dlqSources?: (dlqArn: string) => readonly string[];
}

export class UnsupportedRequestError extends Error {
  override readonly name = 'UnsupportedRequestError';
}

const TARGET_SERVICES: Record<string, AwsService> = {
  DynamoDB_20120810: 'dynamodb',
  AmazonSQS: 'sqs',
  AWSStepFunctions: 'states',
  secretsmanager: 'secretsmanager',
  AWSEvents: 'events',
  GraniteServiceVersion20100801: 'cloudwatch',
};

/** SigV4 signing names → services, for the query protocol (no X-Amz-Target). */
const SIGNING_SERVICES: Record<string, AwsService> = { sqs: 'sqs', monitoring: 'cloudwatch' };

const header = (headers: RawRequest['headers'], name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** The Credential of a SigV4 Authorization header or presigned query: key id, date, region, service. */
export function signingCredential(request: Pick<RawRequest, 'headers' | 'url'>): { accessKeyId: string; region?: string; service?: string } | undefined {
  const authorization = header(request.headers, 'authorization');
  let credential = authorization ? /Credential=([^,\s]+)/.exec(authorization)?.[1] : undefined;
  if (!credential) {
    const query = request.url.includes('?') ? new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1)) : undefined;
    credential = query?.get('X-Amz-Credential') ?? undefined;
  }
  if (!credential) return undefined;
  const [accessKeyId, , region, service] = credential.split('/');
  return accessKeyId ? { accessKeyId, region, service } : undefined;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** Parses a request to a local endpoint. Throws UnsupportedRequestError for anything not AWS-shaped. */
export function parseAwsRequest(request: RawRequest, context: RequestContext): ParsedRequest {
  const scope = context.scope ?? LOCAL_SCOPE;
  const credential = signingCredential(request);
  const text = typeof request.body === 'string' ? request.body : request.body.toString('utf8');
  const target = header(request.headers, 'x-amz-target');

  let service: AwsService | undefined;
  let operation: string | undefined;
  let protocol: WireProtocol;
  let input: Record<string, unknown>;
  if (target) {
    const dot = target.lastIndexOf('.');
    service = TARGET_SERVICES[target.slice(0, dot)];
    operation = target.slice(dot + 1);
    protocol = 'json';
    try {
      input = text ? record(JSON.parse(text)) : {};
    } catch {
      throw new UnsupportedRequestError(`${target}: the body is not JSON`);
    }
  } else {
    // Query protocol: Action and its parameters, form-encoded in the body or the query string.
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const params = new URLSearchParams(`${query}&${text}`);
    operation = params.get('Action') ?? undefined;
    service = credential?.service ? SIGNING_SERVICES[credential.service] : undefined;
    protocol = 'query';
    input = Object.fromEntries(params.entries());
    // SQS's query protocol may also name the queue by the request path (/<account>/<queue>).
    const pathname = request.url.split('?')[0] ?? '/';
    if (service === 'sqs' && !input.QueueUrl && pathname.split('/').filter(Boolean).length >= 2) input.QueueUrl = pathname;
  }
  if (!service || !operation) {
    throw new UnsupportedRequestError(`not an AWS request local IAM enforcement understands (target ${target ?? 'none'}, signing service ${credential?.service ?? 'none'})`);
  }

  const checks = checksFor(service, operation, input, { ...context, scope });
  // Several entries of one batch on the same resource need one authorization.
  const unique = new Map(checks.map((c) => [`${c.action}\u0000${c.resource}`, c]));
  return { accessKeyId: credential?.accessKeyId, service, operation, protocol, checks: [...unique.values()] };
}

type Ctx = RequestContext & { readonly scope: ArnScope };

function checksFor(service: AwsService, operation: string, input: Record<string, unknown>, context: Ctx): AuthorizationCheck[] {
  switch (service) {
    case 'dynamodb':
      return dynamodbChecks(operation, input, context.scope);
    case 'sqs':
      return sqsChecks(operation, input, context);
    case 'states':
      return stepFunctionsChecks(operation, input);
    case 'secretsmanager':
      return secretsChecks(operation, input, context);
    case 'events':
      return eventsChecks(operation, input, context.scope);
    case 'cloudwatch':
      // CloudWatch's metric APIs name no resource: policies grant them on "*".
      return [{ action: `cloudwatch:${operation}`, resource: '*' }];
  }
}

/** DynamoDB: the table (or index) each item operation touches; batch and transact: one check per table and kind. */
export function dynamodbChecks(operation: string, input: Record<string, unknown>, scope: ArnScope = LOCAL_SCOPE): AuthorizationCheck[] {
  const action = (name: string) => `dynamodb:${name}`;
  const table = (name: unknown) => tableArnOf(String(name), scope);
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(record(input.RequestItems)).map((name) => ({ action: action(operation), resource: table(name) }));
    case 'TransactWriteItems':
      // IAM authorizes each item as its single-item operation.
      return list(input.TransactItems).flatMap((item) => {
        const entry = record(item);
        const kinds: [string, string][] = [
          ['Put', 'PutItem'],
          ['Update', 'UpdateItem'],
          ['Delete', 'DeleteItem'],
          ['ConditionCheck', 'ConditionCheckItem'],
        ];
        return kinds.filter(([key]) => entry[key]).map(([key, name]) => ({ action: action(name), resource: table(record(entry[key]).TableName) }));
      });
    case 'TransactGetItems':
      return list(input.TransactItems).map((item) => ({ action: action('GetItem'), resource: table(record(record(item).Get).TableName) }));
    case 'Query':
    case 'Scan': {
      const name = String(input.TableName ?? '');
      const index = str(input.IndexName);
      // A query on an index is authorized against the index's ARN, never the table's.
      const resource = index ? (name.startsWith('arn:') ? `${name}/index/${index}` : indexArn(name, index, scope)) : table(name);
      return [{ action: action(operation), resource }];
    }
    case 'ExecuteStatement':
      return partiqlChecks([str(input.Statement) ?? ''], scope);
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction':
      return partiqlChecks(
        list(input.Statements ?? input.TransactStatements).map((s) => str(record(s).Statement) ?? ''),
        scope,
      );
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [{ action: action(operation), resource: '*' }];
    default: {
      const name = str(input.TableName);
      const arn = str(input.ResourceArn) ?? str(input.TableArn);
      return [{ action: action(operation), resource: name ? table(name) : (arn ?? '*') }];
    }
  }
}

/** PartiQL: PartiQLSelect/Insert/Update/Delete on the table each statement names. */
function partiqlChecks(statements: string[], scope: ArnScope): AuthorizationCheck[] {
  return statements.map((statement) => {
    const verb = /^\s*(SELECT|INSERT|UPDATE|DELETE|EXISTS)/i.exec(statement)?.[1]?.toUpperCase() ?? 'SELECT';
    const name = /\b(?:FROM|INTO|UPDATE)\s+"([^"]+)"(?:\."([^"]+)")?/i.exec(statement);
    const resource = name ? (name[2] ? indexArn(name[1]!, name[2], scope) : tableArnOf(name[1]!, scope)) : '*';
    const action = verb === 'SELECT' || verb === 'EXISTS' ? 'PartiQLSelect' : `PartiQL${verb[0]}${verb.slice(1).toLowerCase()}`;
    return { action: `dynamodb:${action}`, resource };
  });
}

/** Batch APIs are authorized as their single-message action. */
const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

export function sqsChecks(operation: string, input: Record<string, unknown>, context: Ctx): AuthorizationCheck[] {
  const scope = context.scope;
  const sqsScope = { ...scope, account: context.sqsAccount ?? scope.account };
  const action = `sqs:${SQS_ACTION[operation] ?? operation}`;
  const url = str(input.QueueUrl);
  switch (operation) {
    case 'ListQueues':
      return [{ action, resource: '*' }];
    case 'GetQueueUrl':
    case 'CreateQueue': {
      const owner = str(input.QueueOwnerAWSAccountId);
      return [{ action, resource: queueArn(String(input.QueueName ?? ''), owner ? { ...sqsScope, account: owner } : sqsScope) }];
    }
    case 'StartMessageMoveTask': {
      // SQS moves the messages with the caller's permissions, so starting a task needs the right to
      // receive, delete and read attributes on the source (the DLQ) and to send to every
      // destination — the set the CDK's Operations.grantRedrive gives AdminDlq.
      const source = String(input.SourceArn ?? '');
      const destinations = str(input.DestinationArn) ? [String(input.DestinationArn)] : [...(context.dlqSources?.(source) ?? [])];
      return [
        ...['StartMessageMoveTask', 'ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].map((name) => ({ action: `sqs:${name}`, resource: source })),
        ...destinations.map((destination) => ({ action: 'sqs:SendMessage', resource: destination })),
      ];
    }
    case 'ListMessageMoveTasks':
      return [{ action, resource: String(input.SourceArn ?? '*') }];
    case 'CancelMessageMoveTask': {
      // The task handle is base64 JSON that carries the source queue's ARN.
      let source: string | undefined;
      try {
        source = str(record(JSON.parse(Buffer.from(String(input.TaskHandle ?? ''), 'base64').toString('utf8'))).sourceArn);
      } catch {
        source = undefined;
      }
      return [{ action, resource: source ?? '*' }];
    }
    default:
      return [{ action, resource: url ? queueArnFromUrl(url, sqsScope) : '*' }];
  }
}

export function stepFunctionsChecks(operation: string, input: Record<string, unknown>): AuthorizationCheck[] {
  const action = `states:${operation}`;
  // Task tokens name no resource: SendTask* is granted on "*".
  if (/^SendTask/.test(operation) || operation === 'ListStateMachines' || operation === 'ListActivities' || operation === 'CreateStateMachine') {
    return [{ action, resource: '*' }];
  }
  const resource = str(input.executionArn) ?? str(input.stateMachineArn) ?? str(input.resourceArn) ?? str(input.mapRunArn) ?? '*';
  return [{ action, resource }];
}

export function secretsChecks(operation: string, input: Record<string, unknown>, context: Ctx): AuthorizationCheck[] {
  const arnOf = (id: string) => secretArnOf(id, context.secretArn, context.scope);
  if (operation === 'BatchGetSecretValue') {
    // Each secret is authorized as a GetSecretValue of its own.
    return [
      { action: 'secretsmanager:BatchGetSecretValue', resource: '*' },
      ...list(input.SecretIdList).map((id) => ({ action: 'secretsmanager:GetSecretValue', resource: arnOf(String(id)) })),
    ];
  }
  const id = str(input.SecretId) ?? (operation === 'CreateSecret' ? str(input.Name) : undefined);
  return [{ action: `secretsmanager:${operation}`, resource: id ? arnOf(id) : '*' }];
}

export function eventsChecks(operation: string, input: Record<string, unknown>, scope: ArnScope = LOCAL_SCOPE): AuthorizationCheck[] {
  if (operation === 'PutEvents') {
    // One check per bus the entries go to (EventBusName: a name or an ARN; none = the default bus).
    const entries = list(input.Entries);
    const buses = entries.length ? entries.map((e) => eventBusArn(str(record(e).EventBusName), scope)) : [eventBusArn(undefined, scope)];
    return buses.map((resource) => ({ action: 'events:PutEvents', resource }));
  }
  const bus = str(input.EventBusName);
  return [{ action: `events:${operation}`, resource: bus ? eventBusArn(bus, scope) : '*' }];
}
