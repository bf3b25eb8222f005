/** Creation of N pairs (2N campaigns) against DynamoDB Local and the fake Trackier server. */
import { campaignTitle } from '../../../lambdas/trackier/create-offer';
import { TrackierUpstreamError } from '../../../lambdas/trackier/create-offer';
import { WEBHOOK_TOKEN_PATTERN } from '../../../lambdas/trackier/pair';
import { ConflictError, NotFoundError } from '../../../lambdas/shared/errors';
import { setup, PUBLIC, type Fixture } from './fixture';

let f: Fixture;
beforeAll(async () => {
  f = await setup('trk-create');
});
afterAll(() => f.close());

function expectNoDuplicateTitles() {
  const titles = [...f.fake.campaigns.values()].map((c) => c.title);
  expect(new Set(titles).size).toBe(titles.length);
}

describe.each([1, 3, 20])('creating an offer with %i pair(s)', (n) => {
  it(`creates ${2 * n} campaigns, one item per pair with its own token, URLs and template`, async () => {
    const offerId = `create-${n}`;
    await f.putOffer(offerId);
    const before = f.fake.creations().length;
    const result = await f.create({ offerId, pairs: n });
    expect(result).toMatchObject({ status: 'ready', pairCount: n, created: 2 * n, reused: 0 });
    expect(f.fake.creations().length - before).toBe(2 * n);
    expect(result.pairs.map((p) => p.pairNumber)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const tokens = new Set(result.pairs.map((p) => p.webhookToken));
    expect(tokens.size).toBe(n);
    for (const pair of result.pairs) {
      expect(pair.webhookToken).toMatch(WEBHOOK_TOKEN_PATTERN);
      expect(pair.webhookUrl).toBe(`${PUBLIC}/webhooks/trackier?token=${pair.webhookToken}&campaign_id={campaign_id}`);
      expect(pair).toMatchObject({ enabled: true, webhook_count: 0, update_count: 0 });
      const url1 = f.fake.campaigns.get(pair.url1CampaignId!);
      const url2 = f.fake.campaigns.get(pair.url2CampaignId!);
      expect(url1?.title).toBe(campaignTitle(offerId, pair.pairNumber, 'url1'));
      expect(url2?.title).toBe(campaignTitle(offerId, pair.pairNumber, 'url2'));
      // URL1 forwards to URL2's tracking link; URL2 starts at the offer's landing page.
      expect(url1?.url).toBe(`https://acme.gotrackier.test/click?campaign_id=${pair.url2CampaignId}&pub_id=1`);
      expect(url2?.url).toBe('https://shop.example/landing');
      expect(pair.googleAdsTemplate).toContain(`campaign_id=${pair.url1CampaignId}&pub_id=1&sub1={gclid}`);
    }
    // Every call carried the key.
    expect(f.fake.calls.every((c) => c.apiKey === f.fake.apiKey)).toBe(true);
    // Calling again creates nothing.
    const again = await f.create({ offerId, pairs: n });
    expect(again).toMatchObject({ status: 'ready', created: 0, reused: 2 * n });
    expectNoDuplicateTitles();
  });
});

it('rejects an unknown offer, a pair count out of range, and lowering the count', async () => {
  await expect(f.create({ offerId: 'no-such-offer', pairs: 1 })).rejects.toBeInstanceOf(NotFoundError);
  await f.putOffer('range');
  await expect(f.create({ offerId: 'range', pairs: 21 })).rejects.toThrow(/1 to 20/);
  await expect(f.create({ offerId: 'range', pairs: 0 })).rejects.toThrow(/1 to 20/);
  await f.create({ offerId: 'range', pairs: 2 });
  await expect(f.create({ offerId: 'range', pairs: 1 })).rejects.toBeInstanceOf(ConflictError);
  // Growing works and only creates the new pair's campaigns.
  const grown = await f.create({ offerId: 'range', pairs: 3 });
  expect(grown).toMatchObject({ status: 'ready', created: 2, reused: 4 });
});

it('resumes after a failure halfway without duplicate campaigns', async () => {
  await f.putOffer('halfway');
  const start = f.fake.creations().length;
  // The 5th creation of this run is refused for good (400: not retried).
  f.fake.fail({ match: (c) => c.method === 'POST' && c.path === '/v2/campaigns' && f.fake.creations().length - start === 5, status: 400 });
  const error = await f.create({ offerId: 'halfway', pairs: 4 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TrackierUpstreamError);
  expect((error as TrackierUpstreamError).details).toMatchObject({ created: 4, status: 400 });
  const partial = await f.pairs.listPairs('halfway');
  expect(partial).toHaveLength(4); // every pair item exists (tokens fixed) before its campaigns
  expect(partial.filter((p) => p.url1CampaignId && p.url2CampaignId)).toHaveLength(2);
  const tokensBefore = partial.map((p) => p.webhookToken);

  const resumed = await f.create({ offerId: 'halfway', pairs: 4 });
  expect(resumed).toMatchObject({ status: 'ready', created: 4, reused: 4 });
  expect(resumed.pairs.map((p) => p.webhookToken)).toEqual(tokensBefore);
  const mine = [...f.fake.campaigns.values()].filter((c) => c.title.startsWith('tracepool halfway '));
  expect(mine).toHaveLength(8);
  expectNoDuplicateTitles();
});

it('adopts a campaign Trackier created when the id never reached the table (crash window)', async () => {
  await f.putOffer('crash');
  // Trackier creates the 2nd campaign but the answer is lost (500 after the effect, not retried here).
  const start = f.fake.creations().length;
  f.fake.fail({
    match: (c) => c.method === 'POST' && c.path === '/v2/campaigns' && f.fake.creations().length - start === 2,
    status: 500,
    afterEffect: true,
  });
  await expect(f.create({ offerId: 'crash', pairs: 2 }, { api: f.client({ maxAttempts: 1 }) })).rejects.toBeInstanceOf(TrackierUpstreamError);
  const resumed = await f.create({ offerId: 'crash', pairs: 2 });
  expect(resumed).toMatchObject({ status: 'ready', created: 2, reused: 2 });
  const mine = [...f.fake.campaigns.values()].filter((c) => c.title.startsWith('tracepool crash '));
  expect(mine).toHaveLength(4);
  expectNoDuplicateTitles();
});

it('stops at the deadline with in_progress, and the next call finishes', async () => {
  await f.putOffer('deadline');
  let now = 1_000_000;
  const clock = () => now;
  const api = f.client();
  // Each creation moves the clock by 1 s; the deadline allows three.
  const wrapped = { ...api, createCampaign: async (i: Parameters<typeof api.createCampaign>[0]) => ((now += 1000), api.createCampaign(i)) } as typeof api;
  const first = await f.create({ offerId: 'deadline', pairs: 3 }, { api: wrapped, clock, deadlineAt: now + 2_500 });
  expect(first).toMatchObject({ status: 'in_progress', created: 3 });
  const second = await f.create({ offerId: 'deadline', pairs: 3 });
  expect(second).toMatchObject({ status: 'ready', created: 3, reused: 3 });
});

it('one creation per offer at a time', async () => {
  await f.putOffer('locked');
  await f.pairs.upsertSettings({ offerId: 'locked', pairCount: 1, advertiserId: '7', publisherId: '1' }, Date.now());
  expect(await f.pairs.acquireCreationLock('locked', 'someone-else', Date.now(), 60_000)).toBe(true);
  await expect(f.create({ offerId: 'locked', pairs: 1 })).rejects.toBeInstanceOf(ConflictError);
});

describe('rate limits against the real spacing', () => {
  let slow: Fixture;
  beforeAll(async () => {
    slow = await setup('trk-rate', { minCreateIntervalMs: 500, retryAfterSeconds: 0.3 });
  });
  afterAll(() => slow.close());

  it('keeps ≥ 500 ms between creations and never meets a 429', async () => {
    await slow.putOffer('spaced');
    const result = await slow.create({ offerId: 'spaced', pairs: 2 }, { api: slow.client({ minCreateIntervalMs: 500 }) });
    expect(result.status).toBe('ready');
    const creations = slow.fake.creations();
    expect(creations).toHaveLength(4);
    expect(creations.every((c) => c.status === 200)).toBe(true);
    for (let i = 1; i < creations.length; i++) expect(creations[i]!.at - creations[i - 1]!.at).toBeGreaterThanOrEqual(495);
  });

  it('backs off on 429 honouring Retry-After when the client goes too fast', async () => {
    await slow.putOffer('eager');
    slow.fake.reset();
    const t0 = performance.now();
    const result = await slow.create({ offerId: 'eager', pairs: 1 }, { api: slow.client({ minCreateIntervalMs: 0, maxAttempts: 4 }) });
    expect(result.status).toBe('ready');
    const creations = slow.fake.creations();
    const limited = creations.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    // The retry after a 429 came no sooner than Retry-After (0.3 s).
    const firstLimited = creations.indexOf(limited[0]!);
    expect(creations[firstLimited + 1]!.at - limited[0]!.at).toBeGreaterThanOrEqual(290);
    expect(creations.filter((c) => c.status === 200)).toHaveLength(2);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
