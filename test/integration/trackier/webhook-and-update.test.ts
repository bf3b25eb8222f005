/** Webhook routing, counting, logging and tracing; the after-trace URL2 update and its retries. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { handleWebhook } from '../../../lambdas/trackier/webhook';
import { retryDueSideEffects, updatePairCampaign } from '../../../lambdas/trackier/update-campaign';
import { SIDE_EFFECT_PK } from '../../../lambdas/trackier/side-effects';
import type { TrackierPair } from '../../../lambdas/trackier/pair';
import { doc, setup, type Fixture } from './fixture';

let f: Fixture;
let pairs: TrackierPair[];
const OFFER = 'hook-offer';

beforeAll(async () => {
  f = await setup('trk-hook');
  // This suite exercises all three routes: the legacy ones are the offer's to turn on (off by default,
  // see webhook-guards.test.ts).
  await f.putOffer(OFFER, { passthrough: ['gclid', 'utm_*'], trackier: { legacyRoutes: true } });
  pairs = (await f.create({ offerId: OFFER, pairs: 3 })).pairs;
});
afterAll(() => f.close());

const webhook = (q: { token?: string; campaignId?: string; params?: Record<string, string> }) =>
  handleWebhook(f.webhookDeps(), { token: q.token, campaignId: q.campaignId, params: q.params ?? {}, method: 'GET' });

async function counts() {
  return Object.fromEntries((await f.pairs.listPairs(OFFER)).map((p) => [p.pairNumber, p.webhook_count]));
}

describe('webhook routing', () => {
  it('routes all three ways, counts, logs with a TTL and enqueues a trace with the pair context', async () => {
    const p2 = pairs[1]!;
    const p3 = pairs[2]!;
    const before = await counts();
    const legacy = await webhook({ token: OFFER, params: { gclid: 'G1', other: 'dropped' } });
    const byToken = await webhook({ token: p2.webhookToken, campaignId: 'ignored' });
    const byCampaign = await webhook({ token: 'not-a-token', campaignId: p3.url1CampaignId });
    expect(legacy).toMatchObject({ kind: 'accepted', route: 'legacy', pairNumber: 1, submit: 'queued' });
    expect(byToken).toMatchObject({ kind: 'accepted', route: 'token', pairNumber: 2 });
    expect(byCampaign).toMatchObject({ kind: 'accepted', route: 'campaign', pairNumber: 3 });
    const after = await counts();
    expect([after[1]! - before[1]!, after[2]! - before[2]!, after[3]! - before[3]!]).toEqual([1, 1, 1]);

    const requests = await f.receiveAll();
    const legacyRequest = requests.find((r) => r.traceId === (legacy as { traceId: string }).traceId);
    expect(legacyRequest).toMatchObject({ offerId: OFFER, source: 'webhook', params: { gclid: 'G1' }, pair: { offerId: OFFER, pairNumber: 1 } });
    expect(requests.find((r) => r.traceId === (byCampaign as { traceId: string }).traceId)?.pair).toEqual({ offerId: OFFER, pairNumber: 3 });

    const log = await doc.send(new QueryCommand({ TableName: f.tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `webhook#${OFFER}` } }));
    const entries = log.Items ?? [];
    expect(entries.map((e) => e.route).sort()).toEqual(['campaign', 'legacy', 'token']);
    for (const e of entries) {
      expect(e.expiresAt).toBeGreaterThan(Date.now() / 1000 + 13 * 86_400);
      expect(JSON.stringify(e)).not.toContain(p2.webhookToken);
    }
  });

  it('answers not_found for invalid tokens and unknown campaigns, and changes nothing', async () => {
    const before = await counts();
    const wrong = [
      {},
      { token: 'x'.repeat(22) },
      { token: pairs[1]!.webhookToken.slice(0, 21) + (pairs[1]!.webhookToken.endsWith('A') ? 'B' : 'A') },
      { token: pairs[1]!.webhookToken.toLowerCase() === pairs[1]!.webhookToken ? 'zz' : pairs[1]!.webhookToken.toLowerCase() },
      { token: 'unknown-offer' },
      { campaignId: '999999' },
      { campaignId: pairs[1]!.url2CampaignId }, // URL2 ids do not route
      { token: "' OR 1=1 --", campaignId: '../../etc' },
    ];
    for (const q of wrong) expect(await webhook(q)).toEqual({ kind: 'not_found', reason: 'no_route' });
    expect(await counts()).toEqual(before);
    expect(await f.receiveAll()).toEqual([]);
  });

  it('a disabled pair does not route, and simultaneous webhooks for one pair are all counted', async () => {
    await f.pairs.patchPair(OFFER, 3, { enabled: false }, Date.now());
    expect(await webhook({ token: pairs[2]!.webhookToken })).toEqual({ kind: 'not_found', reason: 'disabled' });
    await f.pairs.patchPair(OFFER, 3, { enabled: true }, Date.now());
    const before = await counts();
    await Promise.all(Array.from({ length: 15 }, () => webhook({ token: pairs[1]!.webhookToken })));
    expect((await counts())[2]! - before[2]!).toBe(15);
    await f.receiveAll();
  });
});

describe('after the trace: URL2 updates', () => {
  it('simultaneous webhooks for different pairs each update only their own URL2', async () => {
    f.fake.reset();
    const outcomes = await Promise.all(pairs.map((p) => webhook({ token: p.webhookToken, params: { gclid: `G${p.pairNumber}` } })));
    expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);
    const requests = await f.receiveAll();
    expect(requests).toHaveLength(3);
    // The pipeline's trace result for each request, then the task, all at once.
    const results = await Promise.all(
      requests.map((r) =>
        updatePairCampaign(f.updateDeps(), {
          traceId: r.traceId,
          pair: r.pair!,
          finalUrl: `https://landing.example/p?clickid=C${r.pair!.pairNumber}&gclid=${r.params.gclid}&aff_sub=S${r.pair!.pairNumber}`,
          params: { clickid: `C${r.pair!.pairNumber}`, gclid: r.params.gclid!, aff_sub: `S${r.pair!.pairNumber}` },
        }),
      ),
    );
    expect(results.every((r) => r.updated)).toBe(true);
    for (const p of pairs) {
      const updates = f.fake.updates(p.url2CampaignId);
      expect(updates).toHaveLength(1);
      const url = new URL((updates[0]!.body as { url: string }).url);
      expect(url.searchParams.get('sub1')).toBe(`G${p.pairNumber}`);
      expect(url.searchParams.get('sub2')).toBe(`C${p.pairNumber}`);
      expect(url.searchParams.get('sub3')).toBe(`S${p.pairNumber}`);
      expect(f.fake.updates(p.url1CampaignId)).toHaveLength(0);
      const stored = await f.pairs.getPair(OFFER, p.pairNumber);
      expect(stored).toMatchObject({ update_count: 1, sub_id_values: { sub1: `G${p.pairNumber}`, sub2: `C${p.pairNumber}`, sub3: `S${p.pairNumber}` } });
    }
    expect(f.fake.updates()).toHaveLength(3);
  });

  it('is idempotent per trace, and honours a per-pair mapping', async () => {
    await f.pairs.patchPair(OFFER, 1, { subIdMapping: { sub7: ['custom'] } }, Date.now());
    const input = {
      traceId: 'trace-mapping-1',
      pair: { offerId: OFFER, pairNumber: 1 },
      finalUrl: 'https://landing.example/?custom=X',
      params: { custom: 'X', gclid: 'G' },
    };
    expect(await updatePairCampaign(f.updateDeps(), input)).toEqual({ updated: true });
    expect(await updatePairCampaign(f.updateDeps(), input)).toEqual({ updated: true, reason: 'already_updated' });
    const pair = await f.pairs.getPair(OFFER, 1);
    expect(pair).toMatchObject({ update_count: 2, sub_id_values: { sub7: 'X' } });
    await f.pairs.patchPair(OFFER, 1, { subIdMapping: null }, Date.now());
  });

  it.each([408, 429, 503])('a %i becomes a side effect retried with backoff until it succeeds', async (status) => {
    const traceId = `trace-retry-${status}`;
    const pair = pairs[1]!;
    f.fake.fail({ match: (c) => c.path === `/v2/campaigns/${pair.url2CampaignId}`, status, times: 3 });
    let now = 5_000_000_000_000 + status * 10_000_000; // each case later than the previous one's update
    const deps = f.updateDeps({ clock: () => now, backoffMs: [1_000, 4_000] });
    const first = await updatePairCampaign(deps, {
      traceId,
      pair: { offerId: OFFER, pairNumber: 2 },
      finalUrl: 'https://landing.example/?clickid=R',
      params: { clickid: 'R' },
    });
    expect(first).toEqual({ updated: false, sideEffectId: `trackier-update#${traceId}`, reason: 'retry_scheduled' });
    // Two in-call attempts were made; the side effect is due in 1 s (jitter fixed at 0).
    expect(await f.sideEffects.get(traceId)).toMatchObject({ status: 'pending', attempts: 1, dueAt: now + 1_000, lastError: { status } });
    expect(await retryDueSideEffects(deps, now + 500)).toMatchObject({ due: 0 });
    now += 1_000;
    expect(await retryDueSideEffects(deps, now)).toMatchObject({ due: 1, rescheduled: 1 }); // third failure
    expect(await f.sideEffects.get(traceId)).toMatchObject({ status: 'pending', attempts: 2, dueAt: now + 4_000 });
    now += 4_000;
    expect(await retryDueSideEffects(deps, now)).toMatchObject({ due: 1, succeeded: 1 });
    expect(await f.sideEffects.get(traceId)).toBeUndefined();
    expect(await f.pairs.getPair(OFFER, 2)).toMatchObject({ lastUpdateTraceId: traceId, sub_id_values: { sub2: 'R' } });
  });

  it('a 400 is final at once, with an alert; an exhausted schedule too', async () => {
    const pair = pairs[2]!;
    f.fake.fail({ match: (c) => c.path === `/v2/campaigns/${pair.url2CampaignId}`, status: 400 });
    const callsBefore = f.fake.updates(pair.url2CampaignId).length;
    const result = await updatePairCampaign(f.updateDeps(), {
      traceId: 'trace-400',
      pair: { offerId: OFFER, pairNumber: 3 },
      finalUrl: 'https://landing.example/',
      params: {},
    });
    expect(result).toEqual({ updated: false, sideEffectId: 'trackier-update#trace-400', reason: 'failed_final' });
    expect(f.fake.updates(pair.url2CampaignId).length - callsBefore).toBe(1); // not retried in the call either
    expect(await f.sideEffects.get('trace-400')).toMatchObject({ status: 'failed', lastError: { status: 400 } });
    expect(await f.sideEffects.getAlert(OFFER, 3)).toMatchObject({ type: 'trackier_update_failed', status: 'open', occurrences: 1 });

    f.fake.fail({ match: (c) => c.path === `/v2/campaigns/${pair.url2CampaignId}`, status: 500, times: 10 });
    let now = 6_000_000_000_000;
    const deps = f.updateDeps({ clock: () => now, backoffMs: [10] });
    expect(
      (await updatePairCampaign(deps, { traceId: 'trace-exhaust', pair: { offerId: OFFER, pairNumber: 3 }, finalUrl: 'https://landing.example/', params: {} })).reason,
    ).toBe('retry_scheduled');
    now += 10;
    expect(await retryDueSideEffects(deps, now)).toMatchObject({ failed: 1 });
    expect(await f.sideEffects.get('trace-exhaust')).toMatchObject({ status: 'failed', attempts: 2 });
    expect(await f.sideEffects.getAlert(OFFER, 3)).toMatchObject({ occurrences: 2 });
    f.fake.reset();
  });

  it('drops a retry that a newer update superseded, and never throws on a hanging Trackier', async () => {
    const pair = pairs[0]!;
    f.fake.fail({ match: (c) => c.path === `/v2/campaigns/${pair.url2CampaignId}`, hang: true });
    const deps = f.updateDeps({ api: f.client({ requestTimeoutMs: 200 }), inCallAttempts: 1, backoffMs: [1] });
    const hung = await updatePairCampaign(deps, {
      traceId: 'trace-old',
      pair: { offerId: OFFER, pairNumber: 1 },
      finalUrl: 'https://landing.example/?clickid=OLD',
      params: { clickid: 'OLD' },
    });
    expect(hung.reason).toBe('retry_scheduled');
    expect(await f.sideEffects.get('trace-old')).toMatchObject({ lastError: { kind: 'timeout' } });
    // A newer trace updates the pair meanwhile.
    await new Promise((r) => setTimeout(r, 5));
    expect(
      (
        await updatePairCampaign(f.updateDeps(), {
          traceId: 'trace-new',
          pair: { offerId: OFFER, pairNumber: 1 },
          finalUrl: 'https://landing.example/?clickid=NEW',
          params: { clickid: 'NEW' },
        })
      ).updated,
    ).toBe(true);
    const summary = await retryDueSideEffects(f.updateDeps(), Date.now() + 1_000);
    expect(summary).toMatchObject({ superseded: 1, succeeded: 0 });
    expect(await f.pairs.getPair(OFFER, 1)).toMatchObject({ sub_id_values: { sub2: 'NEW' } });
    const remaining = await doc.send(
      new QueryCommand({ TableName: f.tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': SIDE_EFFECT_PK } }),
    );
    expect((remaining.Items ?? []).filter((i) => i.status === 'pending')).toHaveLength(0);
  });

  it('skips disabled pairs and non-web final URLs without calling Trackier', async () => {
    await f.pairs.patchPair(OFFER, 2, { enabled: false }, Date.now());
    const calls = f.fake.calls.length;
    expect(await updatePairCampaign(f.updateDeps(), { traceId: 't-d', pair: { offerId: OFFER, pairNumber: 2 }, finalUrl: 'https://x.example/', params: {} })).toEqual({
      updated: false,
      reason: 'pair_disabled',
    });
    await f.pairs.patchPair(OFFER, 2, { enabled: true }, Date.now());
    expect(await updatePairCampaign(f.updateDeps(), { traceId: 't-m', pair: { offerId: OFFER, pairNumber: 2 }, finalUrl: 'market://details?id=x', params: {} })).toEqual({
      updated: false,
      reason: 'final_url_not_web',
    });
    expect(await updatePairCampaign(f.updateDeps(), { traceId: 't-n', pair: { offerId: OFFER, pairNumber: 9 }, finalUrl: 'https://x.example/', params: {} })).toEqual({
      updated: false,
      reason: 'pair_not_found',
    });
    expect(f.fake.calls.length).toBe(calls);
  });
});
