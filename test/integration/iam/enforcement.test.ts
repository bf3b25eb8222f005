/**
 * IAM enforced on the real local endpoints: DynamoDB Local and local SQS (the run's shared ones,
 * fresh tables and queues) and the local JSON services (Secrets Manager, EventBridge, a Step
 * Functions StartExecution), each behind an enforcement gateway, called with the real SDK clients
 * (and the click's lean client) signing as one function or another.
 *
 * The policies are the real app's, synthesized in process; for the "grant removed" case, from a
 * copy of the manifest in memory in which the click loses its Catalog table and its queue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { FUNCTIONS, type FunctionDef } from '../../../contracts/manifest/functions';
import { AwsJsonClient, AwsServiceError, DYNAMODB } from '../../../lambdas/shared/aws-json-client';
import { startLocalIam, localCredentialsFor, type LocalIam } from '../../../local/iam';
import { synthesizeTemplates, type AppTemplates } from '../../../local/iam/templates';
import type { LocalResourceNames } from '../../../local/iam/policies';
import { readIamRecords } from '../../../local/iam/record';
import { buildIamReport, formatIamReport } from '../../../local/iam/report';
import { LocalSecrets } from '../../../local/secrets-local';
import { LocalEventBridge } from '../../../local/eventbridge-local';
import { startJsonRpcServer } from '../../../local/json-rpc-server';
import { LOCAL_REGION } from '../../../local/net';
import type { QueueUrls, TableNames } from '../../../local/provision';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tracepool-local-trace';
const LOCAL_TRACKIER_SECRET = 'tracepool/local/trackier';
const LOCAL_PROVIDER_SECRET = 'tracepool/local/proxy/local';

type Upstreams = { dynamodb: string; sqs: string; services: string };

/** The click without its Catalog grant and its queue grant: a copy, the shipped manifest untouched. */
const WITHOUT_CLICK_GRANTS: readonly FunctionDef[] = FUNCTIONS.map((f) => (f.id === 'Click' ? { ...f, tables: { Ops: ['PutItem', 'UpdateItem'] }, queues: {} } : f));

describe('IAM enforced on the local endpoints', () => {
  let tables: TableNames;
  let queues: QueueUrls;
  let shipped: AppTemplates;
  let modified: AppTemplates;
  let iam: LocalIam<Upstreams>;
  let iamWithoutGrants: LocalIam<Upstreams>;
  let services: { endpoint: string; stop(): Promise<void> };
  const secrets = new LocalSecrets();
  const eventBridge = new LocalEventBridge();
  const recordDir = mkdtempSync(path.join(os.tmpdir(), 'tracepool-iam-'));
  const recordFile = path.join(recordDir, 'iam-calls.jsonl');
  const clients: { destroy(): void }[] = [];

  const direct = localDynamo();
  const directSqs = localSqs();

  beforeAll(async () => {
    // Two synths of the real app (shipped manifest, and the copy): the slow part of this suite.
    shipped = synthesizeTemplates();
    modified = synthesizeTemplates({ functions: WITHOUT_CLICK_GRANTS });
    [tables, queues] = await Promise.all([freshTables('iam'), freshQueues('iam')]);

    secrets.put(LOCAL_TRACKIER_SECRET, { baseUrl: 'http://127.0.0.1:9', apiKey: 'k' });
    secrets.put(LOCAL_PROVIDER_SECRET, { username: 'u', password: 'p' });
    services = await startJsonRpcServer({
      ...secrets.handlers(),
      ...eventBridge.handlers(),
      'AWSStepFunctions.StartExecution': async (input) => ({
        executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${String(input.name)}`,
        startDate: Date.now() / 1000,
      }),
    });

    // What the local stack gives: its table names, queue URLs, state machine, and (from sources)
    // its own names for the template's secrets.
    const resources: LocalResourceNames = {
      tables,
      queues,
      stateMachineArn: STATE_MACHINE_ARN,
      secretArn: (name) => secrets.arnOf(name),
      localSecretName: (name, secret) => (secret.role === 'trackier' ? LOCAL_TRACKIER_SECRET : secret.role === 'provider' ? LOCAL_PROVIDER_SECRET : name),
    };
    const upstreams: Upstreams = { dynamodb: direct.endpoint, sqs: directSqs.endpoint, services: services.endpoint };
    iam = await startLocalIam({ templates: shipped, resources, upstreams, recordFile });
    iamWithoutGrants = await startLocalIam({ templates: modified, resources, upstreams, recordFile: false });
  }, 300_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    direct.client.destroy();
    directSqs.client.destroy();
    await Promise.all([iam?.stop(), iamWithoutGrants?.stop(), services?.stop()]);
    rmSync(recordDir, { recursive: true, force: true });
  });

  /** An SDK client signing as `functionId`, pointed at a gateway (one attempt: refusals are final anyway). */
  function as<T extends { destroy(): void }>(Client: new (config: object) => T, functionId: string, endpoint: string): T {
    const client = new Client({ endpoint, region: LOCAL_REGION, credentials: localCredentialsFor(functionId), maxAttempts: 1 });
    clients.push(client);
    return client;
  }

  const catalogKey = { pk: { S: 'offer#iam' }, sk: { S: 'offer' } };

  it("resolves every function's synthesized policies, with nothing left unresolved", () => {
    expect(Object.keys(iam.policies.functions).sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
    expect(iam.policies.warnings).toEqual([]);
    const click = iam.policies.functions.Click!;
    expect(click.grants.map((g) => `${g.action} ${g.resource}`)).toEqual(
      expect.arrayContaining([
        `dynamodb:GetItem arn:aws:dynamodb:us-east-1:000000000000:table/${tables.Catalog}`,
        `dynamodb:PutItem arn:aws:dynamodb:us-east-1:000000000000:table/${tables.Ops}`,
        `sqs:SendMessage ${queues.dlqArns.TraceRequests.replace(/-dlq$/, '')}`,
        'logs:PutLogEvents *',
      ]),
    );
    // The starter's event source: Lambda polls its queue with the starter's role.
    expect(iam.policies.functions.TraceStarter!.eventSourceQueues.map((q) => q.arn)).toEqual([queues.dlqArns.TraceRequests.replace(/-dlq$/, '')]);
  });

  it('refuses to start when API Gateway could not invoke a route: the route would answer 500 in AWS', async () => {
    // The shipped app with the click function's invoke permissions taken out.
    const withoutClickPermissions: AppTemplates = new Map(
      [...shipped].map(([name, template]) => [
        name,
        {
          ...template,
          Resources: Object.fromEntries(
            Object.entries(template.Resources).filter(
              ([, r]) =>
                !(
                  r.Type === 'AWS::Lambda::Permission' &&
                  JSON.stringify(r.Properties?.FunctionName).includes('"Click') &&
                  r.Properties?.Principal === 'apigateway.amazonaws.com'
                ),
            ),
          ),
        },
      ]),
    );
    const resources = { tables, queues, stateMachineArn: STATE_MACHINE_ARN, secretArn: (name: string) => secrets.arnOf(name) };
    const upstreams: Upstreams = { dynamodb: direct.endpoint, sqs: directSqs.endpoint, services: services.endpoint };
    await expect(startLocalIam({ templates: withoutClickPermissions, resources, upstreams, recordFile: false })).rejects.toThrow(
      /route\(s\) API Gateway could not invoke:\n[\s\S]*GET \/c\/\{offerId\} .*may not invoke Click7BF1EF42/,
    );
  });

  it("a function's allowed calls pass, forwarded unchanged to the real endpoints", async () => {
    const ddb = as(DynamoDBClient, 'Click', iam.endpoints.dynamodb);
    await direct.client.send(new PutItemCommand({ TableName: tables.Catalog, Item: { ...catalogKey, redirectUrl: { S: 'https://shop.example/' } } }));
    await expect(ddb.send(new GetItemCommand({ TableName: tables.Catalog, Key: catalogKey }))).resolves.toMatchObject({
      Item: { redirectUrl: { S: 'https://shop.example/' } },
    });
    await ddb.send(new PutItemCommand({ TableName: tables.Ops, Item: { pk: { S: 'parked' }, sk: { S: 'iam' } } }));
    await expect(direct.client.send(new GetItemCommand({ TableName: tables.Ops, Key: { pk: { S: 'parked' }, sk: { S: 'iam' } } }))).resolves.toMatchObject({
      Item: { sk: { S: 'iam' } },
    });

    // The click's lean JSON client, as deployed.
    const lean = new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(iam.endpoints.dynamodb), credentials: localCredentialsFor('Click'), maxAttempts: 1 });
    clients.push(lean);
    await expect(lean.call('GetItem', { TableName: tables.Catalog, Key: catalogKey })).resolves.toMatchObject({ Item: { pk: { S: 'offer#iam' } } });

    const sqs = as(SQSClient, 'Click', iam.endpoints.sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.queues.TraceRequests, MessageBody: '{"traceId":"iam"}' }));
    const received = await directSqs.client.send(new ReceiveMessageCommand({ QueueUrl: queues.queues.TraceRequests, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('{"traceId":"iam"}');
    await directSqs.client.send(new DeleteMessageCommand({ QueueUrl: queues.queues.TraceRequests, ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
  });

  it('the same calls with the grant removed from the policy get AccessDenied from the real SDK clients', async () => {
    const ddb = as(DynamoDBClient, 'Click', iamWithoutGrants.endpoints.dynamodb);
    const principal = iamWithoutGrants.policies.functions.Click!.principalArn;
    const table = `arn:aws:dynamodb:us-east-1:000000000000:table/${tables.Catalog}`;
    const denied = await ddb
      .send(new GetItemCommand({ TableName: tables.Catalog, Key: catalogKey }))
      .catch((e: unknown) => e as Error & { $metadata: { httpStatusCode: number } });
    expect(denied).toMatchObject({
      name: 'AccessDeniedException',
      message: `User: ${principal} is not authorized to perform: dynamodb:GetItem on resource: ${table} because no identity-based policy allows the dynamodb:GetItem action`,
      $metadata: { httpStatusCode: 400 },
    });
    expect(principal).toMatch(/^arn:aws:sts::000000000000:assumed-role\/Tracepool-dev-Stateless-ClickServiceRole[0-9A-F]{8}\/tracepool-local-Click$/);

    const lean = new AwsJsonClient(DYNAMODB, {
      region: LOCAL_REGION,
      endpoint: new URL(iamWithoutGrants.endpoints.dynamodb),
      credentials: localCredentialsFor('Click'),
      maxAttempts: 1,
    });
    clients.push(lean);
    const leanDenied = await lean.call('GetItem', { TableName: tables.Catalog, Key: catalogKey }).catch((e: unknown) => e);
    expect(leanDenied).toBeInstanceOf(AwsServiceError);
    expect(leanDenied).toMatchObject({ code: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

    // SQS answers with its query-compatible code, as in AWS: AccessDenied, HTTP 403. Nothing is sent.
    const sqs = as(SQSClient, 'Click', iamWithoutGrants.endpoints.sqs);
    const sqsDenied = await sqs.send(new SendMessageCommand({ QueueUrl: queues.queues.TraceRequests, MessageBody: 'never' })).catch((e: unknown) => e);
    expect(sqsDenied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((sqsDenied as Error).message).toContain('is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:');
    const attributes = await directSqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queues.TraceRequests, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');

    // The grants the copy kept still work.
    await expect(ddb.send(new PutItemCommand({ TableName: tables.Ops, Item: { pk: { S: 'parked' }, sk: { S: 'iam-2' } } }))).resolves.toBeDefined();
  });

  it('a query on an index the policy does not name is denied, though DynamoDB serves it and the table is granted', async () => {
    // An index the CDK definitions do not have (so no policy names it), on the local table. The
    // table is recreated with it rather than updated: DynamoDB Local backfills an index added by
    // UpdateTable in the background, and with the hundreds of tables a full test run leaves, that
    // took longer than the test's timeout.
    const { Table: catalog } = await direct.client.send(new DescribeTableCommand({ TableName: tables.Catalog }));
    await direct.client.send(new DeleteTableCommand({ TableName: tables.Catalog }));
    await direct.client.send(
      new CreateTableCommand({
        TableName: tables.Catalog,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...(catalog?.AttributeDefinitions ?? []), { AttributeName: 'name', AttributeType: 'S' }],
        KeySchema: catalog?.KeySchema,
        GlobalSecondaryIndexes: [
          ...(catalog?.GlobalSecondaryIndexes ?? []).map((ix) => ({ IndexName: ix.IndexName, KeySchema: ix.KeySchema, Projection: ix.Projection })),
          { IndexName: 'byName', KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
        ],
      }),
    );
    const query = (index: string) =>
      new QueryCommand({
        TableName: tables.Catalog,
        IndexName: index,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': index === 'byName' ? 'name' : 'url1CampaignId' },
        ExpressionAttributeValues: { ':v': { S: 'x' } },
      });
    await expect(direct.client.send(query('byName'))).resolves.toMatchObject({ Count: 0 });

    // The webhook looks pairs up by campaign id: that index, and only that one, is its to query.
    const ddb = as(DynamoDBClient, 'TrackierWebhook', iam.endpoints.dynamodb);
    await expect(ddb.send(query('byCampaign'))).resolves.toMatchObject({ Count: 0 });
    await expect(ddb.send(query('byName'))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:000000000000:table/${tables.Catalog}/index/byName because`),
    });
    // And an index of a table the function has no grant on at all.
    const pool = new QueryCommand({ TableName: tables.IpPool, IndexName: 'free', KeyConditionExpression: 'country = :c', ExpressionAttributeValues: { ':c': { S: 'us' } } });
    await expect(ddb.send(pool)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(as(DynamoDBClient, 'AcquireLease', iam.endpoints.dynamodb).send(pool)).resolves.toMatchObject({ Count: 0 });
  });

  it("each function is held to its own role: another function's table is refused", async () => {
    const item = { TableName: tables.Traces, Item: { traceId: { S: 'iam-trace' } } };
    await expect(as(DynamoDBClient, 'TraceStarter', iam.endpoints.dynamodb).send(new PutItemCommand(item))).resolves.toBeDefined();
    await expect(as(DynamoDBClient, 'Click', iam.endpoints.dynamodb).send(new PutItemCommand(item))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // The tracers have no table at all.
    await expect(as(DynamoDBClient, 'TraceHttp', iam.endpoints.dynamodb).send(new GetItemCommand({ TableName: tables.Catalog, Key: catalogKey }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('Secrets Manager, Step Functions and EventBridge: allowed for the function granted, AccessDeniedException for the others', async () => {
    const secret = new GetSecretValueCommand({ SecretId: LOCAL_PROVIDER_SECRET });
    await expect(as(SecretsManagerClient, 'TraceHttp', iam.endpoints.services).send(secret)).resolves.toMatchObject({ SecretString: '{"username":"u","password":"p"}' });
    await expect(as(SecretsManagerClient, 'Click', iam.endpoints.services).send(secret)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`secretsmanager:GetSecretValue on resource: ${secrets.arnOf(LOCAL_PROVIDER_SECRET)}`),
    });
    const trackier = new GetSecretValueCommand({ SecretId: LOCAL_TRACKIER_SECRET });
    await expect(as(SecretsManagerClient, 'UpdateTrackierCampaign', iam.endpoints.services).send(trackier)).resolves.toBeDefined();
    await expect(as(SecretsManagerClient, 'TraceHttp', iam.endpoints.services).send(trackier)).rejects.toMatchObject({ name: 'AccessDeniedException' });

    const start = new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'iam-1', input: '{}' });
    await expect(as(SFNClient, 'TraceStarter', iam.endpoints.services).send(start)).resolves.toMatchObject({ executionArn: expect.stringContaining(':execution:') });
    await expect(as(SFNClient, 'Click', iam.endpoints.services).send(start)).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

    const put = new PutEventsCommand({ Entries: [{ Source: 'tracepool.ops', DetailType: 'AlertOpened', Detail: '{}', EventBusName: 'default' }] });
    await expect(as(EventBridgeClient, 'HealthCheck', iam.endpoints.services).send(put)).resolves.toMatchObject({ FailedEntryCount: 0 });
    await expect(as(EventBridgeClient, 'Maintenance', iam.endpoints.services).send(put)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(eventBridge.events).toHaveLength(1);
  });

  it('a DLQ redrive needs the move task and the rights SQS moves the messages with', async () => {
    const source = queues.dlqArns.TraceRequests;
    const redrive = new StartMessageMoveTaskCommand({ SourceArn: source });
    await expect(as(SQSClient, 'AdminDlq', iam.endpoints.sqs).send(redrive)).resolves.toMatchObject({ TaskHandle: expect.any(String) });
    await expect(as(SQSClient, 'AdminDlq', iam.endpoints.sqs).send(new ListMessageMoveTasksCommand({ SourceArn: source }))).resolves.toBeDefined();
    await expect(as(SQSClient, 'HealthCheck', iam.endpoints.sqs).send(redrive)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      as(SQSClient, 'HealthCheck', iam.endpoints.sqs).send(
        new GetQueueAttributesCommand({ QueueUrl: queues.dlqs.TraceRequests, AttributeNames: ['ApproximateNumberOfMessages'] }),
      ),
    ).resolves.toBeDefined();
  });

  it('a key of no function is refused as AWS refuses an unknown key; in-process checks use the same policies', async () => {
    const stranger = new DynamoDBClient({
      endpoint: iam.endpoints.dynamodb,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.push(stranger);
    await expect(stranger.send(new GetItemCommand({ TableName: tables.Catalog, Key: catalogKey }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(stranger.send(new CreateTableCommand({ TableName: 'x', AttributeDefinitions: [], KeySchema: [], BillingMode: 'PAY_PER_REQUEST' }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    const queueArn = queues.dlqArns.TraceRequests.replace(/-dlq$/, '');
    await expect(iam.authorize('TraceStarter', 'sqs:ReceiveMessage', queueArn)).resolves.toBe(true);
    await expect(iam.authorize('Click', 'sqs:ReceiveMessage', queueArn)).resolves.toBe(false);
  });

  it('records every evaluated call, and the report finds unused grants and the denials', async () => {
    const totals = { shipped: iam.totals(), withoutGrants: iamWithoutGrants.totals() };
    await iam.stop(); // flushes the record
    const report = buildIamReport(readIamRecords(recordFile));
    expect(report.calls).toBe(totals.shipped.evaluated);
    expect(report.denied).toBe(totals.shipped.denied);
    const click = report.functions.find((f) => f.functionId === 'Click')!;
    // The click calls all three of its grants here: what is left unused is Lambda's own (logs, X-Ray).
    expect(click.unused.length).toBeGreaterThan(0);
    expect(click.unused.filter((u) => u.reason !== 'logs' && u.reason !== 'xray')).toEqual([]);
    expect(click.unused.some((u) => u.action === 'dynamodb:GetItem' && u.resource.endsWith('table/{Catalog}'))).toBe(false);
    expect(report.deniedCalls).toEqual(expect.arrayContaining([expect.objectContaining({ functionId: 'Click', action: 'secretsmanager:GetSecretValue' })]));
    expect(formatIamReport(report)).toContain('Granted and never used:');
    // For the record of this suite: how many authorizations were evaluated in all.
    console.log(
      `IAM calls evaluated: ${totals.shipped.evaluated + totals.withoutGrants.evaluated} ` +
        `(shipped policies: ${totals.shipped.allowed} allowed, ${totals.shipped.denied} denied; grants removed: ${totals.withoutGrants.allowed} allowed, ${totals.withoutGrants.denied} denied)`,
    );
  });
});
