/**
 * Decisions by @cloud-copilot/iam-simulate on resolved policies, and the refusals each service
 * answers with.
 */
import { IamEvaluator } from '../../../local/iam/evaluate';
import { accessDeniedAnswer, accessDeniedMessage, unrecognizedClientAnswer } from '../../../local/iam/denials';
import type { AppPolicies, FunctionPolicy } from '../../../local/iam/policies';

const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Catalog';
const PRINCIPAL = 'arn:aws:sts::000000000000:assumed-role/L-ClickRole/tracepool-local-Click';

function fn(functionId: string, statements: FunctionPolicy['documents'][number]['document']['Statement'], conditionKeys: string[] = []): FunctionPolicy {
  return {
    functionId,
    stackName: 'L',
    functionLogicalId: `${functionId}1234ABCD`,
    roleLogicalId: `${functionId}Role`,
    roleName: `L-${functionId}Role`,
    roleArn: `arn:aws:iam::000000000000:role/L-${functionId}Role`,
    principalArn: `arn:aws:sts::000000000000:assumed-role/L-${functionId}Role/tracepool-local-${functionId}`,
    documents: [{ name: 'Default', document: { Version: '2012-10-17', Statement: statements } }],
    grants: [],
    conditionKeys,
    eventSourceQueues: [],
  };
}

const policies: AppPolicies = {
  warnings: [],
  functions: {
    Click: fn('Click', [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [TABLE, `${TABLE}/index/byCampaign`] },
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Ops' },
      { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Ops' },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests' },
    ]),
    Regional: fn(
      'Regional',
      [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }],
      ['aws:RequestedRegion'],
    ),
    Local: fn(
      'Local',
      [
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalAccount': '000000000000' }, Bool: { 'aws:SecureTransport': 'true' } },
        },
      ],
      ['aws:PrincipalAccount', 'aws:RequestedRegion', 'aws:SecureTransport'],
    ),
  },
};

describe('evaluation', () => {
  const evaluator = new IamEvaluator(policies);
  beforeAll(() => evaluator.warmUp(), 30_000);

  it('allows what a statement allows', async () => {
    await expect(evaluator.evaluate('Click', 'dynamodb:GetItem', TABLE)).resolves.toEqual({ allowed: true, outcome: 'Allowed' });
    await expect(evaluator.evaluate('Click', 'dynamodb:Query', `${TABLE}/index/byCampaign`)).resolves.toMatchObject({ allowed: true });
    await expect(evaluator.evaluate('Click', 'dynamodb:UpdateItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Ops')).resolves.toMatchObject({ allowed: true });
  });

  it('denies what no statement allows: another action, another table, an index the policy does not name', async () => {
    await expect(evaluator.evaluate('Click', 'dynamodb:PutItem', TABLE)).resolves.toEqual({ allowed: false, outcome: 'ImplicitlyDenied' });
    await expect(evaluator.evaluate('Click', 'dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/p-IpPool')).resolves.toMatchObject({ allowed: false });
    await expect(evaluator.evaluate('Click', 'dynamodb:Query', `${TABLE}/index/byWebhookToken`)).resolves.toMatchObject({ allowed: false, outcome: 'ImplicitlyDenied' });
  });

  it('an explicit deny wins over an allow', async () => {
    await expect(evaluator.evaluate('Click', 'dynamodb:DeleteItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/p-Ops')).resolves.toEqual({
      allowed: false,
      outcome: 'ExplicitlyDenied',
    });
  });

  it('a local queue ARN in local SQS account is still a same-account call: the identity policy decides', async () => {
    await expect(evaluator.evaluate('Click', 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:p-TraceRequests')).resolves.toMatchObject({ allowed: true });
  });

  it("conditions see the local request context: us-east-1, the local account, TLS as the SDK's calls in AWS", async () => {
    await expect(evaluator.evaluate('Regional', 'dynamodb:GetItem', TABLE)).resolves.toMatchObject({ allowed: false });
    await expect(evaluator.evaluate('Local', 'dynamodb:GetItem', TABLE)).resolves.toMatchObject({ allowed: true });
  });

  it('an unknown function or an action IAM does not know is refused, with the reason', async () => {
    await expect(evaluator.evaluate('Nobody', 'dynamodb:GetItem', TABLE)).resolves.toMatchObject({
      allowed: false,
      outcome: 'Error',
      error: 'no policies for function Nobody',
    });
    await expect(evaluator.evaluate('Click', 'dynamodb:FlyToTheMoon', TABLE)).resolves.toMatchObject({ allowed: false, outcome: 'Error' });
  });
});

describe('refusals, as each service answers them', () => {
  const message = accessDeniedMessage(PRINCIPAL, 'dynamodb:GetItem', TABLE, 'ImplicitlyDenied', 'dynamodb');

  it("IAM's message", () => {
    expect(message).toBe(
      `User: ${PRINCIPAL} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:GetItem action`,
    );
    expect(accessDeniedMessage(PRINCIPAL, 'sqs:SendMessage', 'arn:q', 'ImplicitlyDenied', 'sqs')).toContain(
      'perform: sqs:sendmessage on resource: arn:q because no identity-based policy allows the sqs:sendmessage action',
    );
    expect(accessDeniedMessage(PRINCIPAL, 'dynamodb:DeleteItem', TABLE, 'ExplicitlyDenied', 'dynamodb')).toMatch(/with an explicit deny in an identity-based policy$/);
  });

  it('DynamoDB: 400 com.amazon.coral.service#AccessDeniedException', () => {
    const answer = accessDeniedAnswer('dynamodb', 'json', message);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(answer.body)).toEqual({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message });
  });

  it('SQS JSON: 403 with the query-compatible code AccessDenied in x-amzn-query-error', () => {
    const answer = accessDeniedAnswer('sqs', 'json', 'm');
    expect(answer.status).toBe(403);
    expect(answer.headers['x-amzn-query-error']).toBe('AccessDenied;Sender');
    expect(JSON.parse(answer.body).__type).toBe('com.amazon.coral.service#AccessDeniedException');
  });

  it('SQS query protocol: 403 XML ErrorResponse with Code AccessDenied', () => {
    const answer = accessDeniedAnswer('sqs', 'query', 'a <b> & c');
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>AccessDenied</Code><Message>a &#60;b&#62; &#38; c</Message>');
  });

  it('Step Functions, Secrets Manager, EventBridge: 400 AccessDeniedException', () => {
    for (const service of ['states', 'secretsmanager', 'events'] as const) {
      const answer = accessDeniedAnswer(service, 'json', 'm');
      expect([answer.status, JSON.parse(answer.body).__type]).toEqual([400, 'AccessDeniedException']);
    }
  });

  it('a key of no function: UnrecognizedClientException', () => {
    expect(JSON.parse(unrecognizedClientAnswer('dynamodb', 'json').body).__type).toBe('com.amazon.coral.service#UnrecognizedClientException');
  });
});
