/**
 * The public webhook's guards, as rules: closed legacy routes, every kind of miss alike and
 * writing nothing, signed postbacks, rate limits per pair and per address, and caller parameters
 * kept only where the pair's mapping names them. DynamoDB-backed parts are in
 * test/integration/trackier/webhook-guards.test.ts.
 */
import { handleWebhook, holdMiss, type PairLookup, type WebhookDeps, type WebhookInput } from '../../../lambdas/trackier/webhook';
import { newWebhookToken, type TrackierPair } from '../../../lambdas/trackier/pair';
import { canonicalPayload, pairSigningKey, signPostback, verifySignature } from '../../../lambdas/trackier/webhook-signature';
import { addressKey, type RateLimiter } from '../../../lambdas/trackier/webhook-limits';
import type { Offer } from '../../../lambdas/offers/offer-schema';
import type { TraceRequest } from '../../../lambdas/traces/trace-request';

const MASTER = 'unit-master-signing-secret-0123456789abcdef';
const NOW = 1_800_000_000_000;

const pair = (offerId: string, pairNumber: number, extra: Partial<TrackierPair> = {}): TrackierPair => ({
  offerId,
  pairNumber,
  name: `${offerId} #${pairNumber}`,
  enabled: true,
  webhookToken: newWebhookToken(),
  webhookUrl: 'https://x/webhooks/trackier',
  url1CampaignId: `${offerId.length}${pairNumber}01`,
  url2CampaignId: `${offerId.length}${pairNumber}02`,
  webhook_count: 0,
  update_count: 0,
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});

const offer = (offerId: string, extra: Partial<Offer> = {}): Offer => ({
  offerId,
  name: offerId,
  redirectUrl: 'https://shop.example/',
  trackingUrl: 'https://aff.example/c',
  country: 'us',
  device: 'desktop',
  passthrough: ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'utm_*'],
  tracePolicy: { mode: 'auto', anyCountry: false, enabled: true },
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});

/** A fixed-window limiter in memory, counting like the DynamoDB one. */
function memoryLimiter(): RateLimiter & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    take: async (key, limit, now) => {
      const window = Math.floor(now / 60_000);
      const k = `${key}@${window}`;
      const n = counts.get(k) ?? 0;
      if (n >= limit) return { allowed: false, retryAfterS: Math.ceil(((window + 1) * 60_000 - now) / 1000) };
      counts.set(k, n + 1);
      return { allowed: true };
    },
  };
}

interface World {
  deps: WebhookDeps;
  writes: string[];
  submitted: TraceRequest[];
  limiter: ReturnType<typeof memoryLimiter>;
  setClock(ms: number): void;
}

function world(pairs: TrackierPair[], offers: Offer[], overrides: Partial<WebhookDeps> = {}): World {
  const writes: string[] = [];
  const submitted: TraceRequest[] = [];
  const seen = new Set<string>();
  const limiter = memoryLimiter();
  let now = NOW;
  const lookup: PairLookup = {
    legacyPair: async (id) => pairs.find((p) => p.offerId === id && p.pairNumber === 1),
    byToken: async (t) => pairs.filter((p) => p.webhookToken === t),
    byUrl1Campaign: async (c) => pairs.filter((p) => p.url1CampaignId === c),
  };
  const deps: WebhookDeps = {
    lookup,
    pairs: {
      recordWebhook: async (o, n) => void writes.push(`webhook ${o}#${n}`),
      recordTest: async (o, n) => void writes.push(`test ${o}#${n}`),
      getSettings: async () => undefined,
    },
    offers: { get: async (id) => offers.find((o) => o.offerId === id) },
    sink: { submit: async (r) => (submitted.push(r), writes.push(`trace ${r.traceId}`), 'queued') },
    log: { write: async (e) => void writes.push(`log ${e.outcome}`) },
    clock: () => now,
    newTraceId: () => `trace-${submitted.length + 1}`,
    limiter: { take: async (k, l, n) => (writes.push(`limit ${k}`), limiter.take(k, l, n)) },
    limits: { perPair: 100, perAddress: 100 },
    signingMaster: async () => MASTER,
    replay: { firstUse: async (sig) => (writes.push(`replay ${sig}`), !seen.has(sig) && !!seen.add(sig)) },
    ...overrides,
  };
  return { deps, writes, submitted, limiter, setClock: (ms) => (now = ms) };
}

const hook = (w: World, input: Partial<WebhookInput>) => handleWebhook(w.deps, { params: {}, method: 'GET', sourceIp: '203.0.113.9', ...input });

describe('routes', () => {
  const p1 = pair('legacy-offer', 1, { url1CampaignId: '5101' });
  const p2 = pair('legacy-offer', 2, { url1CampaignId: '5201' });

  it('the legacy and campaign routes are closed by default: a miss that writes nothing', async () => {
    const w = world([p1, p2], [offer('legacy-offer')]);
    expect(await hook(w, { token: 'legacy-offer' })).toEqual({ kind: 'not_found', reason: 'route_off' });
    expect(await hook(w, { campaignId: '5201' })).toEqual({ kind: 'not_found', reason: 'route_off' });
    expect(await hook(w, { token: 'legacy-offer', campaignId: '5201' })).toEqual({ kind: 'not_found', reason: 'route_off' });
    expect(w.writes).toEqual([]);
    // The token route is always open.
    expect(await hook(w, { token: p2.webhookToken })).toMatchObject({ kind: 'accepted', route: 'token', pairNumber: 2 });
  });

  it('the offer turns them on with trackier.legacyRoutes', async () => {
    const w = world([p1, p2], [offer('legacy-offer', { trackier: { legacyRoutes: true } })]);
    expect(await hook(w, { token: 'legacy-offer' })).toMatchObject({ kind: 'accepted', route: 'legacy', pairNumber: 1 });
    expect(await hook(w, { campaignId: '5201' })).toMatchObject({ kind: 'accepted', route: 'campaign', pairNumber: 2 });
  });

  it('every kind of miss has the same outcome shape and writes nothing', async () => {
    const off = pair('legacy-offer', 3, { enabled: false });
    const orphan = pair('gone-offer', 2);
    const signed = pair('legacy-offer', 4, { requireSignature: true });
    const w = world([p1, p2, off, orphan, signed], [offer('legacy-offer')]);
    const misses = await Promise.all([
      hook(w, { token: 'x'.repeat(22) }), // unknown token
      hook(w, { token: 'legacy-offer' }), // route off
      hook(w, { campaignId: '999' }), // unknown campaign
      hook(w, { token: off.webhookToken }), // disabled pair
      hook(w, { token: orphan.webhookToken }), // offer gone
      hook(w, { token: signed.webhookToken }), // unsigned postback for a signed pair
      hook(w, { token: signed.webhookToken, params: { ts: String(NOW / 1000), sig: 'ab'.repeat(32) } }), // bad signature
    ]);
    expect(misses.map((m) => m.kind)).toEqual(Array(7).fill('not_found'));
    expect(misses.map((m) => (m as { reason: string }).reason)).toEqual([
      'no_route',
      'route_off',
      'no_route',
      'disabled',
      'offer_missing',
      'signature_missing',
      'signature_invalid',
    ]);
    expect(w.writes).toEqual([]);
  });
});

describe('signed postbacks', () => {
  const signed = pair('signed-offer', 2, { requireSignature: true });
  const key = pairSigningKey(MASTER, 'signed-offer', 2);
  const sign = <P extends Record<string, string>>(params: P, k = key): P & { sig: string } => ({ ...params, sig: signPostback(k, params) });
  const w = () => world([signed], [offer('signed-offer')]);

  it('accepts a valid signature once', async () => {
    const world1 = w();
    const params = sign({ token: signed.webhookToken, ts: String(NOW / 1000), gclid: 'G' });
    const { token, ...rest } = params;
    expect(await hook(world1, { token, params: rest })).toMatchObject({ kind: 'accepted', pairNumber: 2 });
    // The same signed request again (a replay) is a miss.
    expect(await hook(world1, { token, params: rest })).toEqual({ kind: 'not_found', reason: 'signature_replayed' });
  });

  it('refuses a wrong key, a tampered parameter, a stale timestamp and a missing master', async () => {
    const ts = String(NOW / 1000);
    const other = pairSigningKey(MASTER, 'signed-offer', 3);
    const { token: _t, ...wrongKey } = sign({ token: signed.webhookToken, ts, gclid: 'G' }, other);
    const { token: _u, ...tampered } = { ...sign({ token: signed.webhookToken, ts, gclid: 'G' }), gclid: 'EVIL' };
    const { token: _v, ...stale } = sign({ token: signed.webhookToken, ts: String(NOW / 1000 - 301), gclid: 'G' });
    const world1 = w();
    expect(await hook(world1, { token: signed.webhookToken, params: wrongKey })).toEqual({ kind: 'not_found', reason: 'signature_invalid' });
    expect(await hook(world1, { token: signed.webhookToken, params: tampered })).toEqual({ kind: 'not_found', reason: 'signature_invalid' });
    expect(await hook(world1, { token: signed.webhookToken, params: stale })).toEqual({ kind: 'not_found', reason: 'signature_stale' });
    const noMaster = world([signed], [offer('signed-offer')], { signingMaster: async () => undefined });
    const { token: _w, ...good } = sign({ token: signed.webhookToken, ts, gclid: 'G' });
    expect(await hook(noMaster, { token: signed.webhookToken, params: good })).toEqual({ kind: 'not_found', reason: 'signing_unavailable' });
    expect([...world1.writes, ...noMaster.writes]).toEqual([]);
  });

  it('the signature covers every parameter but sig, in name order, and is compared in constant time', () => {
    expect(canonicalPayload({ b: '2', a: 'x y', sig: 'ignored', c: undefined, é: '&' })).toBe('a=x%20y&b=2&%C3%A9=%26');
    const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    expect(verifySignature(key, { ts: String(NOW / 1000), sig: 'short' }, NOW)).toBe('invalid');
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(pairSigningKey(MASTER, 'signed-offer', 2)).toBe(key);
    expect(pairSigningKey(`${MASTER}x`, 'signed-offer', 2)).not.toBe(key);
  });
});

describe('rate limits', () => {
  const a = pair('busy-offer', 1);
  const b = pair('busy-offer', 2);

  it('per pair: the pair over its limit answers rate_limited with the seconds left in the window; other pairs go on', async () => {
    const w = world([a, b], [offer('busy-offer')], { limits: { perPair: 2, perAddress: 100 } });
    w.setClock(NOW + 15_000); // 45 s left in the window
    expect((await hook(w, { token: a.webhookToken })).kind).toBe('accepted');
    expect((await hook(w, { token: a.webhookToken })).kind).toBe('accepted');
    expect(await hook(w, { token: a.webhookToken })).toEqual({ kind: 'rate_limited', scope: 'pair', retryAfterS: 45, offerId: 'busy-offer', pairNumber: 1 });
    expect((await hook(w, { token: b.webhookToken })).kind).toBe('accepted');
    expect(w.submitted).toHaveLength(3);
    w.setClock(NOW + 60_000); // the next window
    expect((await hook(w, { token: a.webhookToken })).kind).toBe('accepted');
  });

  it('per source address, across pairs; another address is unaffected; an IPv6 /64 counts as one address', async () => {
    const w = world([a, b], [offer('busy-offer')], { limits: { perPair: 100, perAddress: 3 } });
    for (const t of [a, b, a]) expect((await hook(w, { token: t.webhookToken, sourceIp: '198.51.100.7' })).kind).toBe('accepted');
    expect(await hook(w, { token: b.webhookToken, sourceIp: '198.51.100.7' })).toMatchObject({ kind: 'rate_limited', scope: 'address' });
    expect((await hook(w, { token: b.webhookToken, sourceIp: '198.51.100.8' })).kind).toBe('accepted');
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:0db8:0001:0002:0:0:0:77']) {
      await hook(w, { token: a.webhookToken, sourceIp: ip });
    }
    expect(await hook(w, { token: a.webhookToken, sourceIp: '2001:db8:1:2::abcd' })).toMatchObject({ kind: 'rate_limited', scope: 'address' });
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey(undefined)).toBe('unknown');
  });
});

describe('caller parameters', () => {
  it('reach the trace only where the pair mapping names them (and the offer passes them)', async () => {
    const mapped = pair('param-offer', 1, { subIdMapping: { sub1: ['gclid'], sub4: ['utm_term'] } });
    const plain = pair('param-offer', 2);
    const w = world([mapped, plain], [offer('param-offer')]);
    const params = { gclid: 'G1', utm_term: 'T', utm_source: 'S', clickid: 'C', evil: '<x>', fbclid: 'F' };
    await hook(w, { token: mapped.webhookToken, params });
    await hook(w, { token: plain.webhookToken, params });
    // Pair 1 maps gclid and utm_term only; pair 2 follows the default mapping (click ids in sub1,
    // network ids in sub2… of which the offer's passthrough lets the ad click ids through).
    expect(w.submitted.map((r) => r.params)).toEqual([
      { gclid: 'G1', utm_term: 'T' },
      { gclid: 'G1', fbclid: 'F' },
    ]);
  });
});

describe('miss timing', () => {
  it('holds every miss until the floor after its start, whatever it took', async () => {
    let now = 1_000;
    const slept: number[] = [];
    const sleep = async (ms: number) => void (slept.push(ms), (now += ms));
    await holdMiss(1_000, 200, () => now, sleep); // fast miss
    expect(now).toBe(1_200);
    now = 2_150;
    await holdMiss(2_000, 200, () => now, sleep); // slower miss: waits less
    expect(now).toBe(2_200);
    now = 3_300;
    await holdMiss(3_000, 200, () => now, sleep); // already past the floor: no wait
    expect(slept).toEqual([200, 50]);
  });
});
