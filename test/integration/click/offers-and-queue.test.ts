import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastSqsClient } from '../../../lambdas/shared/aws-clients';
import { FAST_QUEUE } from '../../../lambdas/shared/fast-queue';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { DynamoOfferRepository } from '../../../lambdas/offers/offer-repository';
import { CachedOfferStore } from '../../../lambdas/offers/offer-cache';
import { validateOffer } from '../../../lambdas/offers/offer-schema';
import { ParkingTable, SqsTraceQueue } from '../../../lambdas/traces/trace-queue';
import { DurableTraceSink, PARKED_PK } from '../../../lambdas/traces/trace-sink';
import { newTraceId, parseTraceRequest, type TraceRequest } from '../../../lambdas/traces/trace-request';
import { freePort, LOCAL_REGION, localCredentials } from '../../../local/net';

const { doc } = localDynamo();
const { client: sqs } = localSqs();

function request(): TraceRequest {
  return { v: 1, traceId: newTraceId(), offerId: 'o1', source: 'click', params: { gclid: 'g' }, clickedAt: 1, country: 'us', device: 'desktop', attempt: 1 };
}

/** An SQS client pointed at a port where nothing listens: the "SQS is down" case. */
async function deadSqs(): Promise<SQSClient> {
  return fastSqsClient({ endpoint: `http://127.0.0.1:${await freePort()}`, region: LOCAL_REGION, credentials: localCredentials });
}

/** An SQS that accepts connections and never answers: the "SQS hangs" case. */
async function silentSqs(): Promise<{ client: SQSClient; close: () => Promise<void> }> {
  const server = http.createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client: fastSqsClient({ endpoint: `http://127.0.0.1:${port}`, region: LOCAL_REGION, credentials: localCredentials }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('offer repository on DynamoDB Local', () => {
  it('stores, reads back and keeps createdAt across updates', async () => {
    const tables = await freshTables('offers');
    const repo = new DynamoOfferRepository(doc, tables.Catalog);
    const v = validateOffer('o1', { redirectUrl: 'https://shop.example/' });
    if (!v.ok) throw new Error('invalid');
    const first = await repo.put(v.offer, 1000);
    const second = await repo.put({ ...v.offer, name: 'renamed' }, 2000);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, offer: { name: 'renamed', createdAt: 1000, updatedAt: 2000 } });
    expect(await repo.get('o1')).toEqual(second.offer);
    expect(await repo.get('nope')).toBeUndefined();
  });

  it('the cache answers warm lookups without DynamoDB', async () => {
    const tables = await freshTables('offers');
    const repo = new DynamoOfferRepository(doc, tables.Catalog);
    const v = validateOffer('o2', { redirectUrl: 'https://shop.example/' });
    if (!v.ok) throw new Error('invalid');
    await repo.put(v.offer, 1);
    const cache = new CachedOfferStore(repo, { ttlMs: 60_000 });
    for (let i = 0; i < 20; i++) expect((await cache.get('o2'))?.offerId).toBe('o2');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 19, misses: 1 });
  });
});

describe('durable trace sink', () => {
  it('queues the request on SQS', async () => {
    const [tables, queues] = await Promise.all([freshTables('sink'), freshQueues('sink')]);
    const sink = new DurableTraceSink(new SqsTraceQueue(sqs, queues.queues.TraceRequests), new ParkingTable(doc, tables.Ops), Date.now);
    const req = request();
    expect(await sink.submit(req)).toBe('queued');
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.queues.TraceRequests, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => parseTraceRequest(m.Body!))).toEqual([req]);
  });

  it('parks the request in the Ops table when SQS is down', async () => {
    const tables = await freshTables('sink');
    const down = await deadSqs();
    const errors: unknown[] = [];
    const sink = new DurableTraceSink(new SqsTraceQueue(down, 'http://127.0.0.1:1/000000000000/missing'), new ParkingTable(doc, tables.Ops), () => 42, {
      onQueueError: (e) => errors.push(e),
    });
    const req = request();
    expect(await sink.submit(req)).toBe('parked');
    expect(errors).toHaveLength(1);
    const parked = await doc.send(new GetCommand({ TableName: tables.Ops, Key: { pk: PARKED_PK, sk: req.traceId } }));
    expect(parked.Item).toMatchObject({ body: JSON.stringify(req), parkedAt: 42 });
    down.destroy();
  });

  it('abandons an SQS that never answers after the fast timeout and one retry, and parks', async () => {
    const tables = await freshTables('sink');
    const silent = await silentSqs();
    const sink = new DurableTraceSink(new SqsTraceQueue(silent.client, 'http://127.0.0.1:1/000000000000/q'), new ParkingTable(doc, tables.Ops), () => 43);
    const req = request();
    const started = Date.now();
    try {
      expect(await sink.submit(req)).toBe('parked');
    } finally {
      silent.client.destroy();
      await silent.close();
    }
    // Two attempts of FAST_QUEUE.requestTimeoutMs and a retry delay, not the SDK's default wait.
    expect(Date.now() - started).toBeLessThan(FAST_QUEUE.maxAttempts * FAST_QUEUE.requestTimeoutMs + 2_000);
  });

  it('reports lost only when both SQS and DynamoDB are down', async () => {
    const down = await deadSqs();
    const deadDynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${await freePort()}`,
        region: LOCAL_REGION,
        credentials: localCredentials,
        maxAttempts: 1,
      }),
    );
    const lost: TraceRequest[] = [];
    const sink = new DurableTraceSink(new SqsTraceQueue(down, 'http://127.0.0.1:1/q'), new ParkingTable(deadDynamo, 'Ops'), Date.now, {
      onParkError: (_e, r) => lost.push(r),
    });
    const req = request();
    expect(await sink.submit(req)).toBe('lost');
    expect(lost).toEqual([req]);
    down.destroy();
  });
});
