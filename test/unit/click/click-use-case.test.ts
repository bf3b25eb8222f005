import { handleClick, type ClickDeps } from '../../../lambdas/click/click-use-case';
import type { TraceRequestSink, SubmitOutcome } from '../../../lambdas/adapters/trace-sink';
import type { TraceRequest } from '../../../lambdas/trace-requests/trace-request';
import { validateOffer, type Offer } from '../../../lambdas/offers/offer-schema';
import { countryFromHeaders, isAutomatedClick } from '../../../lambdas/click/click-context';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

function offer(input: Record<string, unknown>, id = 'shoes'): Offer {
  const v = validateOffer(id, { redirectUrl: 'https://shop.example/landing', ...input });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return { ...v.offer, createdAt: 0, updatedAt: 0 };
}

class RecordingSink implements TraceRequestSink {
  readonly requests: TraceRequest[] = [];
  constructor(private readonly outcome: SubmitOutcome = 'queued') {}
  async submit(request: TraceRequest): Promise<SubmitOutcome> {
    this.requests.push(request);
    return this.outcome;
  }
}

function deps(offers: Offer[], sink = new RecordingSink()): ClickDeps & { sink: RecordingSink } {
  return {
    offers: { get: async (id) => offers.find((o) => o.offerId === id) },
    sink,
    clock: () => 1_700_000_000_000,
    newTraceId: () => '0190a4b2-0000-7000-8000-000000000001',
  };
}

const click = (offerId: string | undefined, query: Record<string, string> = {}, extra: Partial<Parameters<typeof handleClick>[1]> = {}) => ({
  offerId,
  method: 'GET',
  query,
  userAgent: CHROME,
  clickCountry: () => undefined,
  ...extra,
});

describe('handleClick', () => {
  it('redirects to the offer URL with the click ids and queues a trace request', async () => {
    const d = deps([offer({ country: 'de' })]);
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
        clickedAt: 1_700_000_000_000,
        country: 'de',
        device: 'desktop',
        attempt: 1,
      },
    ]);
  });

  it('takes the click country for offers set to auto, "any" when unknown', async () => {
    const d = deps([offer({ country: 'auto' })]);
    await handleClick(d, click('shoes', {}, { clickCountry: () => 'fr' }));
    await handleClick(d, click('shoes'));
    expect(d.sink.requests.map((r) => r.country)).toEqual(['fr', 'any']);
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

describe('click context', () => {
  it('reads the first valid viewer-country header', () => {
    const headers: Record<string, string> = { 'cloudfront-viewer-country': 'XX', 'cf-ipcountry': 'GB' };
    expect(countryFromHeaders((n) => headers[n])).toBe('gb');
    expect(countryFromHeaders(() => 'not-a-country')).toBeUndefined();
  });

  it('treats real browsers as humans', () => {
    expect(isAutomatedClick('GET', CHROME)).toBe(false);
  });
});
