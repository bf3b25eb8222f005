import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createIngest, type IngestRequest } from '../../../lambdas/analytics/ingest';
import { SqsEventQueue } from '../../../lambdas/analytics/event-queue';
import { AwsJsonClient, SQS } from '../../../lambdas/shared/aws-json-client';
import { Aggregator } from '../../../lambdas/analytics/aggregator';
import { DynamoAggregateStore } from '../../../lambdas/analytics/aggregate-store';
import { DynamoHourlyCounters } from '../../../lambdas/analytics/hourly-counters';
import { getHourlyMetrics, parseHourlyQuery } from '../../../lambdas/analytics/hourly-metrics';
import type { QueuedEvent } from '../../../lambdas/analytics/event-schema';
import { cityGeoLookup } from '../../../lambdas/geo/geo-lookup';
import { freshQueues, freshTables, localDynamo, localSqs } from '../../support/local-endpoints';
import { LOCAL_REGION, localCredentials } from '../../../local/net';

const { client: sqs, endpoint: sqsEndpoint } = localSqs();
/** The adapter the handler wires, pointed at local SQS. */
const eventQueue = (queueUrl: string, endpoint = sqsEndpoint, maxAttempts?: number) =>
  new SqsEventQueue(new AwsJsonClient(SQS, { region: LOCAL_REGION, endpoint: new URL(endpoint), credentials: localCredentials, maxAttempts }), queueUrl);
const { client: ddb, doc } = localDynamo();
afterAll(() => {
  sqs.destroy();
  ddb.destroy();
});

const NOW = Date.UTC(2026, 10, 23, 12, 30);
const ids = { ad_unit_id: randomUUID(), campaign_id: randomUUID(), creative_id: randomUUID() };
const request = (over: Partial<IngestRequest> = {}): IngestRequest => ({
  type: 'impression',
  params: { ...ids, page_url: 'https://news.example/story?id=7', cb: '12345' },
  headers: {},
  clientIp: '81.2.69.142',
  userAgent: 'Mozilla/5.0 (pixel)',
  ...over,
});

async function drain(queueUrl: string): Promise<{ messageId: string; body: string }[]> {
  const out: { messageId: string; body: string }[] = [];
  for (;;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!res.Messages?.length) return out;
    for (const m of res.Messages) out.push({ messageId: m.MessageId!, body: m.Body! });
  }
}

test('a valid event is enqueued with a UUIDv7 eventId and answered 204', async () => {
  const { queues } = await freshQueues('ingest');
  const ingest = createIngest({ queue: eventQueue(queues.Events), now: () => NOW });
  const result = await ingest(request({ params: { ...request().params, timestamp: String(NOW - 60_000) } }));
  expect(result).toMatchObject({ status: 204, outcome: 'queued' });
  const [message, ...rest] = await drain(queues.Events);
  expect(rest).toEqual([]);
  const body = JSON.parse(message!.body) as QueuedEvent;
  expect(body).toEqual({
    v: 1,
    eventId: (result as { eventId: string }).eventId,
    type: 'impression',
    adUnitId: ids.ad_unit_id,
    campaignId: ids.campaign_id,
    creativeId: ids.creative_id,
    pageUrl: 'https://news.example/story?id=7',
    timestamp: NOW - 60_000,
    clientTimestamp: NOW - 60_000,
    receivedAt: NOW,
    clientIp: '81.2.69.142',
    userAgent: 'Mozilla/5.0 (pixel)',
  });
  // UUIDv7: version nibble 7, time prefix = the ingest time.
  expect(body.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(parseInt(body.eventId.replace(/-/g, '').slice(0, 12), 16)).toBe(NOW);
});

test('invalid events are dropped with 204 (400 in strict mode) and nothing is enqueued', async () => {
  const { queues } = await freshQueues('ingest');
  const ingest = createIngest({ queue: eventQueue(queues.Events), now: () => NOW });
  const bad = request({ params: { ...ids, campaign_id: 'abc', page_url: 'https://x.example' } });
  expect(await ingest(bad)).toEqual({ status: 204, outcome: 'invalid', reason: 'invalid_id' });
  expect(await ingest({ ...bad, params: { ...bad.params, strict: '1' } })).toEqual({
    status: 400,
    outcome: 'invalid',
    reason: 'invalid_id',
  });
  expect(await ingest({ ...request({ type: 'conversion' }), headers: { 'x-tracepool-strict': '1' } })).toEqual({
    status: 400,
    outcome: 'invalid',
    reason: 'unknown_type',
  });
  expect(await drain(queues.Events)).toEqual([]);
});

test('revenue_cents: a valid value rides on the queued click; a bad one is dropped with a logged reason and the click still queued', async () => {
  const { queues } = await freshQueues('ingest-revenue');
  const logged: { message: string; extra?: Record<string, unknown> }[] = [];
  const ingest = createIngest({
    queue: eventQueue(queues.Events),
    now: () => NOW,
    log: { warn: (message, extra) => logged.push({ message, extra }), error: (message, extra) => logged.push({ message, extra }) },
  });
  const click = (revenue: string) => ingest(request({ type: 'click', params: { ...request().params, revenue_cents: revenue } }));
  expect(await click('1999')).toMatchObject({ status: 204, outcome: 'queued' });
  expect(await click('-3')).toMatchObject({ status: 204, outcome: 'queued' });
  expect(await click('abc')).toMatchObject({ status: 204, outcome: 'queued' });
  // Strict mode is about invalid events; a dropped revenue does not make the click invalid.
  expect(await ingest(request({ type: 'click', params: { ...request().params, revenue_cents: '9'.repeat(12), strict: '1' } }))).toMatchObject({
    status: 204,
    outcome: 'queued',
  });
  const bodies = (await drain(queues.Events)).map((m) => JSON.parse(m.body) as QueuedEvent);
  expect(bodies).toHaveLength(4);
  expect(bodies.map((b) => b.revenueCents ?? null).sort()).toEqual([1999, null, null, null]);
  expect(logged).toEqual([
    { message: 'analytics.revenue.dropped', extra: { reason: 'revenue_negative', type: 'click', campaignId: ids.campaign_id } },
    { message: 'analytics.revenue.dropped', extra: { reason: 'revenue_not_integer', type: 'click', campaignId: ids.campaign_id } },
    { message: 'analytics.revenue.dropped', extra: { reason: 'revenue_too_large', type: 'click', campaignId: ids.campaign_id } },
  ]);
});

test('an unreachable queue still answers 204: the event is reported lost and logged', async () => {
  const logged: string[] = [];
  const ingest = createIngest({
    queue: eventQueue('http://127.0.0.1:9/000000000000/nowhere', 'http://127.0.0.1:9', 1),
    now: () => NOW,
    log: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  const result = await ingest(request());
  expect(result).toMatchObject({ status: 204, outcome: 'lost' });
  expect(logged).toEqual(['analytics.event.lost']);
});

test('pixel → queue → aggregator → hourly metrics, end to end on the local endpoints', async () => {
  const [{ queues }, tables] = await Promise.all([freshQueues('ingest-e2e'), freshTables('ingest-e2e')]);
  const ingest = createIngest({ queue: eventQueue(queues.Events), now: () => NOW });
  const units = [randomUUID(), randomUUID()];
  const campaign = randomUUID();
  for (let i = 0; i < 25; i++) {
    const r = await ingest(
      request({
        type: i % 5 === 0 ? 'click' : 'impression',
        params: { ...ids, campaign_id: campaign, ad_unit_id: units[i % 2]!, page_url: 'https://a.example/' },
      }),
    );
    expect(r.outcome).toBe('queued');
  }
  const messages = await drain(queues.Events);
  expect(messages).toHaveLength(25);
  const agg = new Aggregator({
    store: new DynamoAggregateStore(doc, tables.Analytics),
    accounts: { accountFor: async () => 'acct-e2e' },
    geo: cityGeoLookup(),
    now: () => NOW + 5_000,
  });
  for (let i = 0; i < messages.length; i += 10) {
    expect((await agg.processBatch(messages.slice(i, i + 10))).batchItemFailures).toEqual([]);
  }
  const query = parseHourlyQuery({ campaign_id: campaign, from: '2026-11-23', to: '2026-11-23' }, NOW);
  const metrics = await getHourlyMetrics(new DynamoHourlyCounters(doc, tables.Analytics), query);
  expect(metrics).toEqual({
    campaign_id: campaign,
    from: '2026-11-23T00:00:00Z',
    to: '2026-11-23T23:00:00Z',
    hours: [...units].sort().map((u) => {
      const clicks = u === units[0] ? 3 : 2; // i % 5 === 0 at i = 0, 10, 20 (unit 0) and 5, 15 (unit 1)
      const impressions = 12 + (u === units[0] ? 1 : 0) - clicks;
      return {
        hour: '2026-11-23T12:00:00Z',
        ad_unit_id: u,
        impressions,
        clicks,
        ctr: Math.round((clicks / impressions) * 1e6) / 1e6,
        requests: impressions + clicks,
        revenue_cents: 0,
        accounts: ['acct-e2e'],
      };
    }),
    totals: { impressions: 20, clicks: 5, ctr: 0.25, requests: 25, revenue_cents: 0 },
  });
});
