import { ALL_ROUTES_OPEN, resolvePair as resolveWith, type PairLookup, type RouteGate } from '../../../lambdas/trackier/webhook';
import { newWebhookToken, parsePairNumber, tokensEqual, WEBHOOK_TOKEN_PATTERN, type TrackierPair } from '../../../lambdas/trackier/pair';

const pair = (offerId: string, pairNumber: number, extra: Partial<TrackierPair> = {}): TrackierPair => ({
  offerId,
  pairNumber,
  name: `${offerId} #${pairNumber}`,
  enabled: true,
  webhookToken: newWebhookToken(),
  webhookUrl: 'https://x/webhooks/trackier',
  url1CampaignId: `${pairNumber}01`,
  url2CampaignId: `${pairNumber}02`,
  webhook_count: 0,
  update_count: 0,
  createdAt: 0,
  updatedAt: 0,
  ...extra,
});

function lookup(pairs: TrackierPair[]): PairLookup & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    legacyPair: async (offerId) => (calls.push(`legacy:${offerId}`), pairs.find((p) => p.offerId === offerId && p.pairNumber === 1)),
    byToken: async (token) => (calls.push('token'), pairs.filter((p) => p.webhookToken === token)),
    byUrl1Campaign: async (id) => (calls.push('campaign'), pairs.filter((p) => p.url1CampaignId === id)),
  };
}

/** The matching rules alone, every route open (the gate has its own tests below). */
const resolvePair = (l: PairLookup, q: { token?: string; campaignId?: string }) => resolveWith(l, q, ALL_ROUTES_OPEN);

describe('webhook routing rules', () => {
  const a1 = pair('offer-a', 1);
  const a2 = pair('offer-a', 2);
  const b1 = pair('offer-b', 1, { url1CampaignId: '777' });
  const all = [a1, a2, b1];

  it('route 1: a token equal to an offer id goes to its pair 1', async () => {
    expect(await resolvePair(lookup(all), { token: 'offer-a' })).toEqual({ route: 'legacy', pair: a1 });
  });

  it('route 2: a pair token goes to that pair', async () => {
    expect(await resolvePair(lookup(all), { token: a2.webhookToken })).toEqual({ route: 'token', pair: a2 });
  });

  it('route 3: otherwise a URL1 campaign id', async () => {
    expect(await resolvePair(lookup(all), { token: 'wrong', campaignId: '777' })).toEqual({ route: 'campaign', pair: b1 });
    expect(await resolvePair(lookup(all), { campaignId: '201' })).toEqual({ route: 'campaign', pair: a2 });
  });

  it('the order holds: legacy before token before campaign', async () => {
    const l = lookup(all);
    expect((await resolvePair(l, { token: 'offer-b', campaignId: a2.url1CampaignId }))?.route).toBe('legacy');
    expect((await resolvePair(lookup(all), { token: a1.webhookToken, campaignId: '777' }))?.pair).toBe(a1);
  });

  it('anything else resolves to nothing', async () => {
    for (const q of [{}, { token: '' }, { token: 'offer-c' }, { token: 'x'.repeat(22) }, { campaignId: '202' }, { campaignId: 'a b' }, { token: 'offer-a/../b' }]) {
      expect(await resolvePair(lookup(all), q)).toBeUndefined();
    }
  });

  it('malformed values never reach a lookup', async () => {
    const l = lookup(all);
    await resolvePair(l, { token: '%%%', campaignId: 'x'.repeat(65) });
    expect(l.calls).toEqual([]);
  });

  it('returns disabled pairs too (the use case turns them into not_found)', async () => {
    const off = pair('offer-d', 2, { enabled: false });
    expect(await resolvePair(lookup([off]), { token: off.webhookToken })).toEqual({ route: 'token', pair: off });
  });
});

describe('route gate', () => {
  const a1 = pair('offer-a', 1, { url1CampaignId: '101' });
  const a2 = pair('offer-a', 2, { url1CampaignId: '201' });
  const tokenOnly: RouteGate = async (route) => route === 'token';

  it('closed legacy and campaign routes resolve to nothing', async () => {
    expect(await resolveWith(lookup([a1, a2]), { token: 'offer-a' }, tokenOnly)).toBeUndefined();
    expect(await resolveWith(lookup([a1, a2]), { campaignId: '201' }, tokenOnly)).toBeUndefined();
    expect(await resolveWith(lookup([a1, a2]), { token: a2.webhookToken }, tokenOnly)).toEqual({ route: 'token', pair: a2 });
  });

  it('a match on a closed route falls through to the next open one', async () => {
    const calls: string[] = [];
    const gate: RouteGate = async (route, p) => (calls.push(`${route}:${p.pairNumber}`), route !== 'legacy');
    expect(await resolveWith(lookup([a1, a2]), { token: 'offer-a', campaignId: '201' }, gate)).toEqual({ route: 'campaign', pair: a2 });
    expect(calls).toEqual(['legacy:1', 'campaign:2']);
  });
});

describe('tokens', () => {
  it('are 128-bit base64url and unique', () => {
    const tokens = Array.from({ length: 1000 }, newWebhookToken);
    expect(new Set(tokens).size).toBe(1000);
    for (const t of tokens) {
      expect(t).toMatch(WEBHOOK_TOKEN_PATTERN);
      expect(Buffer.from(t, 'base64url')).toHaveLength(16);
    }
  });

  it('compare equal only when identical, for any lengths', () => {
    const t = newWebhookToken();
    expect(tokensEqual(t, t)).toBe(true);
    expect(tokensEqual(t, `${t}x`)).toBe(false);
    expect(tokensEqual('', t)).toBe(false);
    expect(tokensEqual(t.toUpperCase(), t) && t.toUpperCase() !== t).toBe(false);
  });

  it('compare through equal-length digests with crypto.timingSafeEqual', () => {
    const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    tokensEqual('short', 'a much longer stored token');
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0]! as [Buffer, Buffer];
    expect([a.length, b.length]).toEqual([32, 32]);
    spy.mockRestore();
  });

  it('pair numbers are 1-20 in plain digits', () => {
    expect(['1', '20', '07'].map(parsePairNumber)).toEqual([1, 20, 7]);
    expect(['0', '21', '-1', '1.5', 'x', '', undefined, '001'].map(parsePairNumber)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
