/** Which clicks the starter traces (the rules; the Ops table's conditional writes are tested on DynamoDB Local). */
import { admit, clickIdOf, tokenBucket, DUPLICATE_WINDOW_MS, type AdmissionStore } from '../../../lambdas/pipeline/trace-admission';
import { withClickCountry } from '../../../lambdas/pipeline/starter';
import { countryGeoLookup } from '../../../lambdas/geo/geo-lookup';
import type { TraceRequest } from '../../../lambdas/traces/trace-request';

const NOW = 1_800_000_000_000;

const request = (over: Partial<TraceRequest> = {}): TraceRequest => ({
  v: 1,
  traceId: '0190a4b2-0000-7000-8000-000000000001',
  offerId: 'shoes',
  source: 'click',
  params: { gclid: 'G1', utm_source: 'google' },
  clickedAt: NOW,
  country: 'us',
  device: 'desktop',
  attempt: 1,
  ...over,
});

/** Records what admit asks; answers as told. */
function store(answers: { claim?: boolean; token?: boolean } = {}) {
  const calls: string[] = [];
  const s: AdmissionStore & { calls: string[] } = {
    calls,
    claimClickId: async (offerId, clickId, traceId, now, until) => {
      calls.push(`claim ${offerId} ${clickId} ${traceId} ${until - now}`);
      return answers.claim ?? true;
    },
    takeToken: async (offerId, _now, bucket) => {
      calls.push(`token ${offerId} ${bucket.intervalMs}/${bucket.toleranceMs}`);
      return answers.token ?? true;
    },
  };
  return s;
}

describe('admit', () => {
  it('claims the click id for 10 minutes, then takes a token from the default budget (60 a minute)', async () => {
    const s = store();
    expect(await admit(s, request(), NOW)).toBe('admitted');
    expect(s.calls).toEqual([`claim shoes gclid=G1 ${request().traceId} ${DUPLICATE_WINDOW_MS}`, 'token shoes 1000/59000']);
    expect(DUPLICATE_WINDOW_MS).toBe(600_000);
  });

  it("a repeated click id is skipped before it can spend the offer's budget", async () => {
    const s = store({ claim: false });
    expect(await admit(s, request(), NOW)).toBe('skipped_duplicate');
    expect(s.calls.filter((c) => c.startsWith('token'))).toEqual([]);
  });

  it('a click beyond the budget is skipped_budget', async () => {
    expect(await admit(store({ token: false }), request(), NOW)).toBe('skipped_budget');
  });

  it("uses the offer's own budget, and the default for one that is not a sane count", async () => {
    const s = store();
    await admit(s, request({ maxTracesPerMinute: 6 }), NOW);
    await admit(s, request({ maxTracesPerMinute: -1 }), NOW);
    expect(s.calls.filter((c) => c.startsWith('token'))).toEqual(['token shoes 10000/50000', 'token shoes 1000/59000']);
  });

  it('a click without a click id still spends the budget', async () => {
    const s = store();
    expect(await admit(s, request({ params: { utm_source: 'x' } }), NOW)).toBe('admitted');
    expect(s.calls).toEqual(['token shoes 1000/59000']);
  });

  it.each([
    ['webhooks', { source: 'webhook' as const }],
    ['retries', { attempt: 2 }],
    ['manual traces', { source: 'manual' as const }],
  ])('lets %s through untouched', async (_label, over) => {
    const s = store({ claim: false, token: false });
    expect(await admit(s, request(over), NOW)).toBe('admitted');
    expect(s.calls).toEqual([]);
  });
});

describe('clickIdOf and tokenBucket', () => {
  it('names a click by the first standard click id it carries', () => {
    expect(clickIdOf({ utm_source: 'g', fbclid: 'F', gclid: 'G' })).toBe('gclid=G');
    expect(clickIdOf({ msclkid: 'M' })).toBe('msclkid=M');
    expect(clickIdOf({ utm_source: 'g' })).toBeUndefined();
    // A value too long for a key is named by its hash.
    expect(clickIdOf({ gclid: 'x'.repeat(5000) })).toMatch(/^gclid#sha256=[0-9a-f]{64}$/);
  });

  it('spreads a minute of budget evenly, a full minute of it available at once', () => {
    expect(tokenBucket(60)).toEqual({ intervalMs: 1000, toleranceMs: 59_000 });
    expect(tokenBucket(1)).toEqual({ intervalMs: 60_000, toleranceMs: 0 });
  });
});

describe("the click's country, resolved by the starter", () => {
  const geo = async () => countryGeoLookup();

  it('gives a click the country of its address, and drops the address', async () => {
    const resolved = await withClickCountry(request({ country: 'any', clientIp: '81.2.69.142' }), geo);
    expect(resolved.country).toBe('gb');
    expect(resolved).not.toHaveProperty('clientIp');
  });

  it("keeps 'any' for an address no database places, and a country the click already had", async () => {
    expect(await withClickCountry(request({ country: 'any', clientIp: '10.1.2.3' }), geo)).toMatchObject({ country: 'any' });
    const trusted = await withClickCountry(request({ country: 'fr', clientIp: '81.2.69.142' }), geo);
    expect(trusted).toMatchObject({ country: 'fr' });
    expect(trusted).not.toHaveProperty('clientIp');
  });

  it('leaves a request without an address as it is, without loading the database', async () => {
    const r = request({ country: 'any' });
    expect(await withClickCountry(r, () => Promise.reject(new Error('not loaded')))).toBe(r);
  });
});
