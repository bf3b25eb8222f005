/**
 * The click function's lean adapters against DynamoDB Local and local SQS. What they write must be
 * exactly what the SDK-client adapters write (the retry schedule, the pipeline and the admin API
 * read it with the SDK), and what they read must be what the SDK reads.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { AwsJsonClient, AwsServiceError, DYNAMODB, SigningWindowPassed, SQS } from '../../../lambdas/shared/aws-json-client';
import { LeanOfferStore, LeanParkingTable, LeanTraceQueue } from '../../../lambdas/click/lean-adapters';
import { ParkingTable } from '../../../lambdas/traces/trace-queue';
import { DurableTraceSink, PARK_SIGN_WINDOW_MS, PARKED_PK, PARKED_RETENTION_DAYS, parkKeyTime } from '../../../lambdas/traces/trace-sink';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { validateOffer } from '../../../lambdas/offers/offer-schema';
import { newTraceId, parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import { freePort, LOCAL_REGION, localCredentials } from '../../../local/net';

const { doc, endpoint: ddbEndpoint } = localDynamo();
const { client: sdkSqs, endpoint: sqsEndpoint } = localSqs();

const lean = (service: typeof DYNAMODB, endpoint: string, tuning: { maxAttempts?: number } = {}) =>
  new AwsJsonClient(service, { region: LOCAL_REGION, endpoint: new URL(endpoint), credentials: localCredentials, ...tuning });
const dynamodb = lean(DYNAMODB, ddbEndpoint);
const sqs = lean(SQS, sqsEndpoint);

afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
});

function request(overrides: Partial<TraceRequest> = {}): TraceRequest {
  return {
    v: 1,
    traceId: newTraceId(),
    offerId: 'o1',
    source: 'click',
    params: { gclid: 'g', utm_source: 'ü ✓' },
    clickedAt: 1_700_000_000_123,
    country: 'us',
    device: 'mobile',
    attempt: 1,
    ...overrides,
  };
}

describe('LeanOfferStore', () => {
  it('reads the offer the SDK repository wrote, identically', async () => {
    const tables = await freshTables('lean-offers');
    const repo = new DynamoOfferRepository(doc, tables.Catalog);
    const v = validateOffer('o1', {
      redirectUrl: 'https://shop.example/landing?x=1',
      country: 'auto',
      passthrough: ['gclid', 'utm_*'],
      name: 'Spring sale',
    });
    if (!v.ok) throw new Error('invalid offer');
    await repo.put(v.offer, 1000);
    const store = new LeanOfferStore(dynamodb, tables.Catalog);
    expect(await store.get('o1')).toEqual(await repo.get('o1'));
    expect(await store.get('missing')).toBeUndefined();
  });

  it('names a missing table as DynamoDB does', async () => {
    await expect(new LeanOfferStore(dynamodb, 'no-such-table').get('o1')).rejects.toBeInstanceOf(AwsServiceError);
    await expect(new LeanOfferStore(dynamodb, 'no-such-table').get('o1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('LeanTraceQueue', () => {
  it('sends the message the pipeline consumes, with its source attribute', async () => {
    const queues = await freshQueues('lean-queue');
    const req = request();
    await new LeanTraceQueue(sqs, queues.queues.TraceRequests).send(req);
    const got = await sdkSqs.send(new ReceiveMessageCommand({ QueueUrl: queues.queues.TraceRequests, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(got.Messages).toHaveLength(1);
    expect(parseTraceRequest(got.Messages![0]!.Body!)).toEqual(req);
    expect(got.Messages![0]!.MessageAttributes?.source).toEqual({ DataType: 'String', StringValue: 'click' });
  });

  it('fails on a queue that does not exist', async () => {
    await expect(new LeanTraceQueue(sqs, `${sqsEndpoint}/000000000000/missing`).send(request())).rejects.toBeInstanceOf(AwsServiceError);
  });
});

describe('LeanParkingTable', () => {
  it('writes the same item as the SDK ParkingTable', async () => {
    const tables = await freshTables('lean-park');
    const a = request();
    const b = { ...a, traceId: newTraceId() };
    await new LeanParkingTable(dynamodb, tables.Ops).park(a, 42, 'TimeoutError: slow');
    await new ParkingTable(doc, tables.Ops).park(b, 42, 'TimeoutError: slow');
    const read = async (traceId: string) => (await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: traceId } }))).Item;
    const [leanItem, sdkItem] = [await read(a.traceId), await read(b.traceId)];
    const expiresAt = Math.floor(parkKeyTime(a.traceId) / 1000) + PARKED_RETENTION_DAYS * 86_400;
    expect(leanItem).toEqual({ ...sdkItem, sk: a.traceId, body: JSON.stringify(a), expiresAt });
    expect(leanItem).toEqual({ pk: PARKED_PK, sk: a.traceId, body: JSON.stringify(a), reason: 'TimeoutError: slow', parkedAt: 42, expiresAt });
  });

  it('parks under a fresh key when the park can no longer be signed within the window of its traceId (a hand-off frozen with its environment)', async () => {
    const tables = await freshTables('lean-park-late');
    const old = request({ traceId: uuidv7({ msecs: Date.now() - PARK_SIGN_WINDOW_MS - 1000 }) });
    const startedAt = Date.now();
    await new LeanParkingTable(dynamodb, tables.Ops).park(old, startedAt, 'TimeoutError: slow');
    expect((await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: old.traceId } }))).Item).toBeUndefined();
    const { Items } = await doc.send(new QueryCommand({ TableName: tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PARKED_PK } }));
    expect(Items).toHaveLength(1);
    expect(JSON.parse(Items![0]!.body as string)).toEqual(old);
    expect(parkKeyTime(Items![0]!.sk as string)).toBeGreaterThanOrEqual(startedAt);
  });

  it("sends no attempt signed after the call's window", async () => {
    const tables = await freshTables('lean-window');
    const item = { pk: { S: PARKED_PK }, sk: { S: 'late' } };
    await expect(dynamodb.call('PutItem', { TableName: tables.Ops, Item: item }, { notSignedAfter: Date.now() - 1 })).rejects.toBeInstanceOf(SigningWindowPassed);
    expect((await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: 'late' } }))).Item).toBeUndefined();
    await dynamodb.call('PutItem', { TableName: tables.Ops, Item: item }, { notSignedAfter: Date.now() + 60_000 });
    expect((await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: 'late' } }))).Item).toBeDefined();
  });
});

describe('DurableTraceSink over the lean adapters', () => {
  it('parks the request when SQS is down, and the SDK reads it back', async () => {
    const tables = await freshTables('lean-sink');
    const deadSqs = lean(SQS, `http://127.0.0.1:${await freePort()}`, { maxAttempts: 2 });
    const errors: unknown[] = [];
    const sink = new DurableTraceSink(new LeanTraceQueue(deadSqs, 'http://127.0.0.1:1/000000000000/q'), new LeanParkingTable(dynamodb, tables.Ops), () => 7, {
      onQueueError: (e) => errors.push(e),
    });
    const req = request();
    try {
      expect(await sink.submit(req)).toBe('parked');
    } finally {
      deadSqs.destroy();
    }
    expect(errors).toEqual([expect.objectContaining({ code: 'ECONNREFUSED' })]);
    const parked = await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: req.traceId } }));
    expect(parked.Item).toMatchObject({ body: JSON.stringify(req), parkedAt: 7 });
  });
});
