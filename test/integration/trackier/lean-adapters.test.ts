/**
 * The webhook's lean adapters against the real local endpoints: the DocumentStore port on the
 * lean JSON-protocol client next to the SDK's document client on DynamoDB Local (same items, same
 * answers, same conditional failures), a throttled answer retried, and Secrets Manager's
 * GetSecretValue on the local stack's Secrets Manager.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AwsJsonClient, DYNAMODB, SECRETS_MANAGER } from '../../../lambdas/shared/aws-json-client';
import { AwsJsonDocumentStore, isConditionFailed } from '../../../lambdas/shared/document-store';
import { leanSecretSource } from '../../../lambdas/shared/lean-secrets';
import { PairReads } from '../../../lambdas/trackier/pair-reads';
import { OpsWebhookLog, TableWebhookLog, type WebhookLogEntry } from '../../../lambdas/trackier/webhook';
import { OpsRateLimiter, OpsReplayGuard } from '../../../lambdas/trackier/webhook-limits';
import { signingMasterFromSecret } from '../../../lambdas/trackier/webhook-signature';
import { LocalSecrets } from '../../../local/secrets-local';
import { startJsonRpcServer } from '../../../local/json-rpc-server';
import { LOCAL_REGION, localCredentials } from '../../../local/net';
import { MASTER, doc, setup, store as sdkStore, type Fixture } from './fixture';

const lean = (endpoint: string, maxAttempts?: number) =>
  new AwsJsonClient(DYNAMODB, { region: LOCAL_REGION, endpoint: new URL(endpoint), credentials: localCredentials, ...(maxAttempts ? { maxAttempts } : {}) });

let f: Fixture;
let client: AwsJsonClient;
let leanStore: AwsJsonDocumentStore;
const OFFER = 'lean-offer';

beforeAll(async () => {
  f = await setup('trk-lean');
  client = lean(process.env.TEST_DDB_ENDPOINT!);
  leanStore = new AwsJsonDocumentStore(client);
  await f.putOffer(OFFER, { trackier: { legacyRoutes: true } });
  await f.create({ offerId: OFFER, pairs: 2 });
});
afterAll(async () => {
  client.destroy();
  await f.close();
});

describe('pair reads on the lean client', () => {
  it('answer what the SDK-backed repository answers', async () => {
    const reads = new PairReads(leanStore, f.tables.Catalog);
    const [p1, p2] = await f.pairs.listPairs(OFFER);
    expect(await reads.getPair(OFFER, 1)).toEqual(await f.pairs.getPair(OFFER, 1));
    expect(await reads.getSettings(OFFER)).toEqual(await f.pairs.getSettings(OFFER));
    expect(await reads.pairByToken(p2!.webhookToken)).toEqual(await f.pairs.pairByToken(p2!.webhookToken));
    expect(await reads.pairByToken(p2!.webhookToken)).toEqual([p2]);
    expect(await reads.pairsByUrl1Campaign(p1!.url1CampaignId!)).toEqual([p1]);
    expect(await reads.getPair(OFFER, 9)).toBeUndefined();
    expect(await reads.pairByToken('Z'.repeat(22))).toEqual([]);
  });

  it('count a webhook atomically, and refuse one for a pair that does not exist (conditional failure)', async () => {
    const reads = new PairReads(leanStore, f.tables.Catalog);
    const before = (await f.pairs.getPair(OFFER, 2))!.webhook_count;
    await Promise.all([reads.recordWebhook(OFFER, 2, 1_000), f.pairs.recordWebhook(OFFER, 2, 2_000), reads.recordWebhook(OFFER, 2, 3_000)]);
    expect((await f.pairs.getPair(OFFER, 2))!.webhook_count).toBe(before + 3);
    await reads.recordTest(OFFER, 2, 4_000);
    expect((await f.pairs.getPair(OFFER, 2))!.last_test_at).toBe(4_000);
    const lost = await reads.recordWebhook(OFFER, 9, 1_000).catch((e: unknown) => e);
    const lostSdk = await f.pairs.recordWebhook(OFFER, 9, 1_000).catch((e: unknown) => e);
    expect(isConditionFailed(lost)).toBe(true);
    expect(isConditionFailed(lostSdk)).toBe(true);
    expect((await doc.send(new GetCommand({ TableName: f.tables.Catalog, Key: { pk: `offer#${OFFER}`, sk: 'pair#009' } }))).Item).toBeUndefined();
  });
});

describe('the guards and the log on the lean client', () => {
  it('rate limits: one counter for both clients; over the limit is a refusal, not an error', async () => {
    const leanLimiter = new OpsRateLimiter(leanStore, f.tables.Ops);
    const sdkLimiter = new OpsRateLimiter(sdkStore, f.tables.Ops);
    const now = 1_900_000_040_000; // 20 s into its window
    const decisions = [];
    for (const limiter of [leanLimiter, sdkLimiter, leanLimiter, sdkLimiter]) decisions.push(await limiter.take('lean-test', 2, now));
    expect(decisions).toEqual([{ allowed: true }, { allowed: true }, { allowed: false, retryAfterS: 40 }, { allowed: false, retryAfterS: 40 }]);
  });

  it('replay guard: a signature is accepted once, whichever client saw it first', async () => {
    const leanGuard = new OpsReplayGuard(leanStore, f.tables.Ops);
    const sdkGuard = new OpsReplayGuard(sdkStore, f.tables.Ops);
    expect(await leanGuard.firstUse('ABC123', Date.now() + 60_000)).toBe(true);
    expect(await sdkGuard.firstUse('abc123', Date.now() + 60_000)).toBe(false);
    expect(await leanGuard.firstUse('abc123', Date.now() + 60_000)).toBe(false);
    expect(await sdkGuard.firstUse('def456', Date.now() + 60_000)).toBe(true);
    expect(await leanGuard.firstUse('DEF456', Date.now() + 60_000)).toBe(false);
  });

  it('the webhook log: the same item from either client, nested values and all', async () => {
    const entry = (offerId: string): WebhookLogEntry => ({
      receivedAt: 1_900_000_000_000,
      outcome: 'accepted',
      route: 'token',
      offerId,
      pairNumber: 1,
      traceId: 't-1',
      submit: 'queued',
      test: false,
      method: 'GET',
      campaignId: undefined,
      params: { gclid: 'G', clickid: 'C' },
    });
    await new TableWebhookLog(leanStore, f.tables.Ops, 3).write(entry('lean-log-a'));
    await new OpsWebhookLog(doc, f.tables.Ops, 3).write(entry('lean-log-b'));
    const items = ((await doc.send(new ScanCommand({ TableName: f.tables.Ops, ConsistentRead: true }))).Items ?? []).filter((i) =>
      String(i.pk).startsWith('webhook#lean-log-'),
    );
    const shape = (i: Record<string, unknown>) => ({ ...i, pk: undefined, offerId: undefined, sk: String(i.sk).split('#')[0] });
    expect(items).toHaveLength(2);
    expect(shape(items[0]!)).toEqual(shape(items[1]!));
    expect(items[0]).toMatchObject({ params: { gclid: 'G', clickid: 'C' }, expiresAt: 1_900_000_000 + 3 * 86_400 });
    expect(items[0]).not.toHaveProperty('campaignId');
  });
});

describe('a throttled answer', () => {
  /** DynamoDB Local behind a proxy that throttles the first `throttled` requests. */
  async function throttlingProxy(throttled: number) {
    const target = new URL(process.env.TEST_DDB_ENDPOINT!);
    let seen = 0;
    const server = http.createServer((req, res) => {
      if (seen++ < throttled) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }));
        return;
      }
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      requests: () => seen,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  it('is retried (the SDK classification) and the write lands once', async () => {
    const proxy = await throttlingProxy(1);
    const c = lean(proxy.endpoint);
    try {
      const reads = new PairReads(new AwsJsonDocumentStore(c), f.tables.Catalog);
      const before = (await f.pairs.getPair(OFFER, 1))!.webhook_count;
      await reads.recordWebhook(OFFER, 1, 5_000);
      expect(proxy.requests()).toBe(2);
      expect((await f.pairs.getPair(OFFER, 1))!.webhook_count).toBe(before + 1);
    } finally {
      c.destroy();
      await proxy.close();
    }
  });

  it('past the attempts, surfaces as ThrottlingException (never a condition failure)', async () => {
    const proxy = await throttlingProxy(10);
    const c = lean(proxy.endpoint, 2);
    try {
      const limiter = new OpsRateLimiter(new AwsJsonDocumentStore(c), f.tables.Ops);
      const error = await limiter.take('throttled', 5, Date.now()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      expect(proxy.requests()).toBe(2);
    } finally {
      c.destroy();
      await proxy.close();
    }
  });
});

describe('Secrets Manager on the lean client', () => {
  it('reads a secret string (JSON 1.1), undefined for a missing secret, and feeds the signing master', async () => {
    const secrets = new LocalSecrets();
    secrets.put('tracepool/test/trackier', { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', webhookSigningKey: MASTER });
    const services = await startJsonRpcServer(secrets.handlers());
    const c = new AwsJsonClient(SECRETS_MANAGER, { region: LOCAL_REGION, endpoint: new URL(services.endpoint), credentials: localCredentials });
    try {
      const source = leanSecretSource(c);
      expect(JSON.parse((await source.getSecretString(secrets.arnOf('tracepool/test/trackier')))!)).toMatchObject({ webhookSigningKey: MASTER });
      expect(await source.getSecretString('tracepool/test/none')).toBeUndefined();
      const master = signingMasterFromSecret({ source, clock: Date.now }, { secretId: 'tracepool/test/trackier' });
      expect(await master()).toBe(MASTER);
    } finally {
      c.destroy();
      await services.stop();
    }
  });
});
