import { handleClick, type ClickDeps, type ClickInput, type ClickOffers } from '../../../lambdas/click/click-use-case';
import type { TraceRequestSink, SubmitOutcome } from '../../../lambdas/traces/trace-sink';
import type { TraceRequest } from '../../../lambdas/traces/trace-request';
import { validateOffer, type Offer } from '../../../lambdas/offers/offer-schema';
import { CachedOfferStore } from '../../../lambdas/offers/offer-cache';
import { isAutomatedClick, parseTrustedCountryHeader, trustedCountry } from '../../../lambdas/click/click-context';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

function offer(input: Record<string, unknown>, id = 'shoes'): Offer {
  const v = validateOffer(id, { redirectUrl: 'https://shop.example/landing', ...input });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return { ...v.offer, createdAt: 0, updatedAt: 0 };
}

class RecordingSink implements TraceRequestSink {
  readonly requests: TraceRequest[] = [];
  constructor(private readonly outcome: SubmitOutcome | (() => Promise<SubmitOutcome>) = 'queued') {}
  async submit(request: TraceRequest): Promise<SubmitOutcome> {
    this.requests.push(request);
    return typeof this.outcome === 'function' ? this.outcome() : this.outcome;
  }
}

const catalog = (offers: Offer[]): ClickOffers => new CachedOfferStore({ get: async (id) => offers.find((o) => o.offerId === id) });

function deps(offers: Offer[] | ClickOffers, sink = new RecordingSink(), budgetMs = 1000): ClickDeps & { sink: RecordingSink } {
  return {
    offers: Array.isArray(offers) ? catalog(offers) : offers,
    sink,
    clock: Date.now,
    newTraceId: () => '0190a4b2-0000-7000-8000-000000000001',
    budgetMs,
  };
}

const click = (offerId: string | undefined, query: Record<string, string> = {}, extra: Partial<ClickInput> = {}): ClickInput => ({
  offerId,
  method: 'GET',
  query,
  userAgent: CHROME,
  headerCountry: undefined,
  clientIp: '203.0.113.9',
  ...extra,
});

const never = <T>() => new Promise<T>(() => undefined);

describe('handleClick', () => {
  it('redirects to the offer URL with the click ids and queues a trace request', async () => {
    const d = deps([offer({ country: 'de' })]);
    const before = Date.now();
    const out = await handleClick(d, click('shoes', { gclid: 'G1', fbclid: 'F1', foo: 'bar' }));
    expect(out).toMatchObject({
      kind: 'redirect',
      location: 'https://shop.example/landing?gclid=G1&fbclid=F1',
      trace: 'queued',
      traceId: '0190a4b2-0000-7000-8000-000000000001',
    });
    expect(d.sink.requests).toEqual([
      {
        v: 1,
        traceId: '0190a4b2-0000-7000-8000-000000000001',
        offerId: 'shoes',
        source: 'click',
        params: { gclid: 'G1', fbclid: 'F1' },
        clickedAt: expect.any(Number),
        country: 'de',
        device: 'desktop',
        attempt: 1,
      },
    ]);
    expect(d.sink.requests[0]!.clickedAt).toBeGreaterThanOrEqual(before);
  });

  it('for offers set to auto: the trusted header country, else the client address for the starter to resolve', async () => {
    const d = deps([offer({ country: 'auto' })]);
    await handleClick(d, click('shoes', {}, { headerCountry: 'fr' }));
    await handleClick(d, click('shoes'));
    await handleClick(d, click('shoes', {}, { clientIp: undefined }));
    expect(d.sink.requests.map((r) => [r.country, r.clientIp])).toEqual([
      ['fr', undefined],
      ['any', '203.0.113.9'],
      ['any', undefined],
    ]);
  });

  it("never sends the clicker's address for an offer with its own country", async () => {
    const d = deps([offer({ country: 'de' })]);
    await handleClick(d, click('shoes', {}, { headerCountry: 'fr' }));
    expect(d.sink.requests[0]).toMatchObject({ country: 'de' });
    expect(d.sink.requests[0]).not.toHaveProperty('clientIp');
  });

  it("carries the offer's trace budget when it sets one", async () => {
    const d = deps([offer({ tracePolicy: { maxTracesPerMinute: 5 } }), offer({}, 'bags')]);
    await handleClick(d, click('shoes'));
    await handleClick(d, click('bags'));
    expect(d.sink.requests.map((r) => r.maxTracesPerMinute)).toEqual([5, undefined]);
  });

  it('still redirects when the request had to be parked', async () => {
    const d = deps([offer({})], new RecordingSink('parked'));
    const out = await handleClick(d, click('shoes', { gclid: 'x' }));
    expect(out).toMatchObject({ kind: 'redirect', trace: 'parked' });
  });

  it.each([
    ['HEAD requests', { method: 'HEAD' }],
    ['crawlers', { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }],
    ['link previews', { userAgent: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' }],
    ['requests without a user agent', { userAgent: undefined }],
  ])('redirects but does not trace %s', async (_label, extra) => {
    const d = deps([offer({})]);
    const out = await handleClick(d, click('shoes', { gclid: 'x' }, extra));
    expect(out).toMatchObject({ kind: 'redirect', trace: 'skipped_bot', location: 'https://shop.example/landing?gclid=x' });
    expect(d.sink.requests).toHaveLength(0);
  });

  it('does not trace when the offer disables tracing', async () => {
    const d = deps([offer({ tracePolicy: { enabled: false } })]);
    expect(await handleClick(d, click('shoes'))).toMatchObject({ trace: 'skipped_policy' });
    expect(d.sink.requests).toHaveLength(0);
  });

  it('redirects but does not trace an offer whose tracing an operator paused', async () => {
    const d = deps([{ ...offer({}), pausedAt: 1 }]);
    expect(await handleClick(d, click('shoes', { gclid: 'x' }))).toMatchObject({
      kind: 'redirect',
      trace: 'skipped_paused',
      location: 'https://shop.example/landing?gclid=x',
    });
    expect(d.sink.requests).toHaveLength(0);
  });

  it.each([
    [undefined, 'invalid_id'],
    ['', 'invalid_id'],
    ['../etc/passwd', 'invalid_id'],
    ['x'.repeat(65), 'invalid_id'],
    ['missing', 'not_found'],
  ])('answers unknown_offer for %p', async (offerId, reason) => {
    const d = deps([offer({})]);
    expect(await handleClick(d, click(offerId))).toEqual({ kind: 'unknown_offer', reason });
    expect(d.sink.requests).toHaveLength(0);
  });
});

describe('handleClick within its time budget', () => {
  const BUDGET = 300;

  it('answers the redirect at the deadline when the hand-off hangs, handing back the request and the hand-off still running', async () => {
    let finish: (o: SubmitOutcome) => void = () => undefined;
    const sink = new RecordingSink(() => new Promise<SubmitOutcome>((resolve) => (finish = resolve)));
    // The sink never answers by itself: the click ending at all is the deadline at work.
    const out = await handleClick(deps([offer({})], sink, BUDGET), click('shoes', { gclid: 'G' }));
    expect(out).toMatchObject({ kind: 'redirect', location: 'https://shop.example/landing?gclid=G', trace: 'pending' });
    if (out.kind !== 'redirect' || !out.pending) throw new Error('expected a pending hand-off');
    expect(out.pending.request).toEqual(sink.requests[0]);
    finish('parked');
    await expect(out.pending.handOff).resolves.toBe('parked');
  });

  it('answers offer_unavailable for an offer the store cannot give in time', async () => {
    const store = new CachedOfferStore({ get: never });
    expect(await handleClick(deps(store, new RecordingSink(), BUDGET), click('shoes'))).toEqual({ kind: 'offer_unavailable', reason: 'timeout' });
  });

  it('redirects to a known offer served stale when the store fails, and says so', async () => {
    let now = 0;
    let fail = false;
    const store = new CachedOfferStore({ get: async () => (fail ? Promise.reject(new Error('down')) : offer({})) }, { ttlMs: 1000, clock: () => now });
    const d = deps(store, new RecordingSink(), BUDGET);
    await handleClick(d, click('shoes'));
    now = 60_000;
    fail = true;
    expect(await handleClick(d, click('shoes', { gclid: 'G' }))).toMatchObject({
      kind: 'redirect',
      location: 'https://shop.example/landing?gclid=G',
      trace: 'queued',
      stale: { ageMs: 60_000, reason: 'error' },
    });
  });
});

describe('click context', () => {
  const headers: Record<string, string> = { 'cf-ipcountry': 'GB', 'x-viewer-country': 'de', 'cloudfront-viewer-country': 'XX' };
  const get = (n: string) => headers[n];

  it('ignores every country header unless the deployment trusts one', () => {
    expect(trustedCountry(undefined, get)).toBeUndefined();
  });

  it('reads only the trusted header, lower case; an unknown or malformed country is none', () => {
    expect(trustedCountry('x-viewer-country', get)).toBe('de');
    expect(trustedCountry('cf-ipcountry', get)).toBe('gb');
    expect(trustedCountry('cloudfront-viewer-country', get)).toBeUndefined();
    expect(trustedCountry('cf-ipcountry', () => 'not-a-country')).toBeUndefined();
  });

  it('accepts only the known country headers as the trusted one', () => {
    expect(parseTrustedCountryHeader(undefined)).toBeUndefined();
    expect(parseTrustedCountryHeader('CF-IPCountry')).toBe('cf-ipcountry');
    expect(() => parseTrustedCountryHeader('x-forwarded-for')).toThrow(/must be one of/);
  });

  it('treats real browsers as humans', () => {
    expect(isAutomatedClick('GET', CHROME)).toBe(false);
  });
});
