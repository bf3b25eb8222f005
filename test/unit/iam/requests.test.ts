/**
 * Request → (caller, action, resource ARN) for every protocol the functions' clients speak, and
 * the ARN helpers both sides of the enforcement share.
 */
import { eventBusArn, functionIdForAccessKey, indexArn, localCredentialsFor, queueArnFromUrl, secretArnOf, tableArn, tableArnOf } from '../../../local/iam/arns';
import { parseAwsRequest, signingCredential, UnsupportedRequestError, type RawRequest, type RequestContext } from '../../../local/iam/requests';
import { functionCredentials } from '../../../local/function-env';

const SECRETS = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:';
const context: RequestContext = {
  sqsAccount: '123456789012',
  secretArn: (name) => `${SECRETS}${name}-local0`,
  dlqSources: (dlq) => (dlq.endsWith(':p-TraceRequests-dlq') ? ['arn:aws:sqs:us-east-1:123456789012:p-TraceRequests'] : []),
};

const auth = (key: string, service: string) => `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

function json(target: string, body: unknown, key = 'localClick', service = 'dynamodb'): RawRequest {
  return { method: 'POST', url: '/', headers: { 'x-amz-target': target, authorization: auth(key, service) }, body: Buffer.from(JSON.stringify(body)) };
}

const checks = (request: RawRequest) => parseAwsRequest(request, context).checks;

describe('the caller', () => {
  it('is the access key id of the SigV4 Authorization header', () => {
    expect(signingCredential({ url: '/', headers: { authorization: auth('localAcquireLease', 'dynamodb') } })).toEqual({
      accessKeyId: 'localAcquireLease',
      region: 'us-east-1',
      service: 'dynamodb',
    });
  });

  it('or of a presigned query string', () => {
    const url = `/?Action=ListQueues&X-Amz-Credential=${encodeURIComponent('localClick/20260101/us-east-1/sqs/aws4_request')}`;
    expect(signingCredential({ url, headers: {} })?.accessKeyId).toBe('localClick');
  });

  it('is absent from an unsigned request', () => {
    expect(parseAwsRequest({ method: 'POST', url: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' }, context).accessKeyId).toBeUndefined();
  });

  it("maps back to its function: each function's key is its own, and the isolates sign with the same keys", () => {
    const ids = ['Click', 'AcquireLease', 'TraceHttp'];
    for (const id of ids) {
      expect(localCredentialsFor(id)).toEqual(functionCredentials(id));
      expect(functionIdForAccessKey(localCredentialsFor(id).accessKeyId, ids)).toBe(id);
    }
    expect(functionIdForAccessKey('local', ids)).toBeUndefined();
    expect(localCredentialsFor('Click').accessKeyId).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe('DynamoDB (JSON 1.0)', () => {
  const target = (op: string) => `DynamoDB_20120810.${op}`;

  it('item operations are authorized on the table', () => {
    const parsed = parseAwsRequest(json(target('GetItem'), { TableName: 'p-Catalog', Key: { pk: { S: 'offer#1' } } }), context);
    expect(parsed).toMatchObject({ accessKeyId: 'localClick', service: 'dynamodb', operation: 'GetItem', protocol: 'json' });
    expect(parsed.checks).toEqual([{ action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Catalog' }]);
  });

  it('a Query or Scan on an index is authorized on the index, not the table', () => {
    expect(checks(json(target('Query'), { TableName: 'p-IpPool', IndexName: 'free' }))).toEqual([
      { action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/p-IpPool/index/free' },
    ]);
    expect(checks(json(target('Scan'), { TableName: 'p-IpPool' }))).toEqual([{ action: 'dynamodb:Scan', resource: tableArn('p-IpPool') }]);
  });

  it('batch operations need one check per table', () => {
    expect(checks(json(target('BatchWriteItem'), { RequestItems: { 'p-Ops': [{}, {}], 'p-Analytics': [{}] } }))).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: tableArn('p-Ops') },
      { action: 'dynamodb:BatchWriteItem', resource: tableArn('p-Analytics') },
    ]);
    expect(checks(json(target('BatchGetItem'), { RequestItems: { 'p-Ops': { Keys: [] } } }))).toEqual([{ action: 'dynamodb:BatchGetItem', resource: tableArn('p-Ops') }]);
  });

  it('transactions are authorized item by item, as the single-item operations', () => {
    const request = json(target('TransactWriteItems'), {
      TransactItems: [
        { Put: { TableName: 'p-Traces', Item: {} } },
        { Update: { TableName: 'p-IpPool', Key: {} } },
        { ConditionCheck: { TableName: 'p-Ops', Key: {} } },
        { Put: { TableName: 'p-Traces', Item: {} } },
      ],
    });
    expect(checks(request)).toEqual([
      { action: 'dynamodb:PutItem', resource: tableArn('p-Traces') },
      { action: 'dynamodb:UpdateItem', resource: tableArn('p-IpPool') },
      { action: 'dynamodb:ConditionCheckItem', resource: tableArn('p-Ops') },
    ]);
    expect(checks(json(target('TransactGetItems'), { TransactItems: [{ Get: { TableName: 'p-Ops', Key: {} } }] }))).toEqual([
      { action: 'dynamodb:GetItem', resource: tableArn('p-Ops') },
    ]);
  });

  it('a table named by its ARN is authorized on that ARN; ListTables on "*"', () => {
    const arn = 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Ops';
    expect(checks(json(target('PutItem'), { TableName: arn, Item: {} }))).toEqual([{ action: 'dynamodb:PutItem', resource: arn }]);
    expect(checks(json(target('ListTables'), {}))).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
  });

  it('PartiQL statements map to PartiQL actions on the table they name', () => {
    expect(checks(json(target('ExecuteStatement'), { Statement: 'SELECT * FROM "p-Ops" WHERE pk = ?' }))).toEqual([
      { action: 'dynamodb:PartiQLSelect', resource: tableArn('p-Ops') },
    ]);
    expect(checks(json(target('ExecuteStatement'), { Statement: 'UPDATE "p-Ops" SET a = 1 WHERE pk = ?' }))).toEqual([
      { action: 'dynamodb:PartiQLUpdate', resource: tableArn('p-Ops') },
    ]);
  });
});

describe('SQS', () => {
  const url = 'http://127.0.0.1:9324/123456789012/p-TraceRequests';
  const arn = 'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests';
  const target = (op: string) => `AmazonSQS.${op}`;

  it('JSON protocol: the queue of QueueUrl, its account taken from the URL', () => {
    expect(parseAwsRequest(json(target('SendMessage'), { QueueUrl: url, MessageBody: 'x' }, 'localClick', 'sqs'), context)).toMatchObject({
      service: 'sqs',
      operation: 'SendMessage',
      protocol: 'json',
      checks: [{ action: 'sqs:SendMessage', resource: arn }],
    });
  });

  it('batch APIs are authorized as their single-message action', () => {
    expect(checks(json(target('SendMessageBatch'), { QueueUrl: url, Entries: [{}, {}] }))).toEqual([{ action: 'sqs:SendMessage', resource: arn }]);
    expect(checks(json(target('DeleteMessageBatch'), { QueueUrl: url, Entries: [] }))).toEqual([{ action: 'sqs:DeleteMessage', resource: arn }]);
    expect(checks(json(target('ChangeMessageVisibilityBatch'), { QueueUrl: url }))).toEqual([{ action: 'sqs:ChangeMessageVisibility', resource: arn }]);
  });

  it('GetQueueUrl names the queue by name, in local SQS account', () => {
    expect(checks(json(target('GetQueueUrl'), { QueueName: 'p-TraceRequests' }))).toEqual([{ action: 'sqs:GetQueueUrl', resource: arn }]);
  });

  it("a move task needs receive/delete/attributes on the DLQ and send on the DLQ's source queues", () => {
    const dlq = 'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests-dlq';
    expect(checks(json(target('StartMessageMoveTask'), { SourceArn: dlq }))).toEqual([
      { action: 'sqs:StartMessageMoveTask', resource: dlq },
      { action: 'sqs:ReceiveMessage', resource: dlq },
      { action: 'sqs:DeleteMessage', resource: dlq },
      { action: 'sqs:GetQueueAttributes', resource: dlq },
      { action: 'sqs:SendMessage', resource: arn },
    ]);
    const other = 'arn:aws:sqs:us-east-1:123456789012:elsewhere';
    expect(checks(json(target('StartMessageMoveTask'), { SourceArn: dlq, DestinationArn: other })).at(-1)).toEqual({ action: 'sqs:SendMessage', resource: other });
    const handle = Buffer.from(JSON.stringify({ taskId: 't', sourceArn: dlq })).toString('base64');
    expect(checks(json(target('CancelMessageMoveTask'), { TaskHandle: handle }))).toEqual([{ action: 'sqs:CancelMessageMoveTask', resource: dlq }]);
    expect(checks(json(target('ListMessageMoveTasks'), { SourceArn: dlq }))).toEqual([{ action: 'sqs:ListMessageMoveTasks', resource: dlq }]);
  });

  it('query protocol: Action and QueueUrl form-encoded, or the queue in the request path', () => {
    const body = `Action=SendMessage&QueueUrl=${encodeURIComponent(url)}&MessageBody=x&Version=2012-11-05`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: auth('localEventIngest', 'sqs') };
    expect(parseAwsRequest({ method: 'POST', url: '/', headers: form, body }, context)).toMatchObject({
      accessKeyId: 'localEventIngest',
      service: 'sqs',
      protocol: 'query',
      checks: [{ action: 'sqs:SendMessage', resource: arn }],
    });
    expect(checks({ method: 'POST', url: '/123456789012/p-TraceRequests', headers: form, body: 'Action=ReceiveMessage' })).toEqual([
      { action: 'sqs:ReceiveMessage', resource: arn },
    ]);
  });
});

describe('the local JSON services', () => {
  it('Step Functions: executions started on the state machine, described on the execution', () => {
    const machine = 'arn:aws:states:us-east-1:000000000000:stateMachine:tracepool-local-trace';
    expect(checks(json('AWSStepFunctions.StartExecution', { stateMachineArn: machine, name: 'n', input: '{}' }))).toEqual([
      { action: 'states:StartExecution', resource: machine },
    ]);
    const execution = 'arn:aws:states:us-east-1:000000000000:execution:tracepool-local-trace:n';
    expect(checks(json('AWSStepFunctions.DescribeExecution', { executionArn: execution }))).toEqual([{ action: 'states:DescribeExecution', resource: execution }]);
    expect(checks(json('AWSStepFunctions.SendTaskSuccess', { taskToken: 't', output: '{}' }))).toEqual([{ action: 'states:SendTaskSuccess', resource: '*' }]);
  });

  it("Secrets Manager: the secret's full ARN, whether named by name, partial or full ARN", () => {
    const full = `${SECRETS}tracepool/local/trackier-local0`;
    expect(checks(json('secretsmanager.GetSecretValue', { SecretId: 'tracepool/local/trackier' }))).toEqual([{ action: 'secretsmanager:GetSecretValue', resource: full }]);
    expect(checks(json('secretsmanager.GetSecretValue', { SecretId: full }))).toEqual([{ action: 'secretsmanager:GetSecretValue', resource: full }]);
    expect(checks(json('secretsmanager.GetSecretValue', { SecretId: `${SECRETS}tracepool/local/trackier` }))).toEqual([
      { action: 'secretsmanager:GetSecretValue', resource: full },
    ]);
    expect(checks(json('secretsmanager.BatchGetSecretValue', { SecretIdList: ['a', 'b'] }))).toEqual([
      { action: 'secretsmanager:BatchGetSecretValue', resource: '*' },
      { action: 'secretsmanager:GetSecretValue', resource: `${SECRETS}a-local0` },
      { action: 'secretsmanager:GetSecretValue', resource: `${SECRETS}b-local0` },
    ]);
  });

  it('EventBridge PutEvents: one check per bus the entries go to (none named: the default bus)', () => {
    expect(checks(json('AWSEvents.PutEvents', { Entries: [{ Source: 'a' }, { Source: 'b', EventBusName: 'default' }] }))).toEqual([
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
    ]);
    expect(checks(json('AWSEvents.PutEvents', { Entries: [{ EventBusName: 'alerts' }] }))).toEqual([{ action: 'events:PutEvents', resource: eventBusArn('alerts') }]);
  });

  it('CloudWatch PutMetricData (JSON or query protocol) names no resource', () => {
    expect(checks(json('GraniteServiceVersion20100801.PutMetricData', { Namespace: 'Tracepool' }))).toEqual([{ action: 'cloudwatch:PutMetricData', resource: '*' }]);
    const query = { method: 'POST', url: '/', headers: { authorization: auth('localMaintenance', 'monitoring') }, body: 'Action=PutMetricData&Namespace=Tracepool' };
    expect(parseAwsRequest(query, context)).toMatchObject({ service: 'cloudwatch', protocol: 'query', checks: [{ action: 'cloudwatch:PutMetricData', resource: '*' }] });
  });

  it('anything else is not understood (and so never forwarded unchecked)', () => {
    expect(() => parseAwsRequest({ method: 'GET', url: '/health', headers: {}, body: '' }, context)).toThrow(UnsupportedRequestError);
    expect(() => parseAwsRequest(json('Unknown_2020.Do', {}), context)).toThrow(UnsupportedRequestError);
  });
});

describe('ARNs as AWS builds them', () => {
  it('tables, indexes, queues, buses, secrets', () => {
    expect(tableArn('p-Ops')).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/p-Ops');
    expect(indexArn('p-IpPool', 'free')).toBe('arn:aws:dynamodb:us-east-1:000000000000:table/p-IpPool/index/free');
    expect(tableArnOf('arn:aws:dynamodb:ddblocal:000000000000:table/x')).toBe('arn:aws:dynamodb:ddblocal:000000000000:table/x');
    expect(queueArnFromUrl('http://127.0.0.1:1/000000000000/q')).toBe('arn:aws:sqs:us-east-1:000000000000:q');
    expect(queueArnFromUrl('http://127.0.0.1:1/q')).toBe('arn:aws:sqs:us-east-1:000000000000:q');
    expect(eventBusArn(undefined)).toBe('arn:aws:events:us-east-1:000000000000:event-bus/default');
    expect(secretArnOf('arn:aws:secretsmanager:eu-west-1:1:secret:x-abcdef', context.secretArn)).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:x-abcdef');
  });
});
