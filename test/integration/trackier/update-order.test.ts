/**
 * URL2 updates land in webhook order (against DynamoDB Local and the fake Trackier): an update
 * from an older webhook never replaces one from a newer webhook — arriving late, racing it in
 * flight, or coming back from the retry schedule.
 */
import { retryDueSideEffects, updatePairCampaign, type UpdateCampaignInput } from '../../../lambdas/trackier/update-campaign';
import { updateOrderKey, type TrackierPair } from '../../../lambdas/trackier/pair';
import type { TrackierApi } from '../../../lambdas/trackier/trackier-api';
import { setup, type Fixture } from './fixture';

let f: Fixture;
let pairs: TrackierPair[];
const OFFER = 'order-offer';
const T = 1_900_000_000_000;

beforeAll(async () => {
  f = await setup('trk-order');
  await f.putOffer(OFFER);
  pairs = (await f.create({ offerId: OFFER, pairs: 4 })).pairs;
});
afterAll(() => f.close());

const input = (pairNumber: number, traceId: string, receivedAt: number, clickid: string): UpdateCampaignInput => ({
  traceId,
  pair: { offerId: OFFER, pairNumber },
  receivedAt,
  finalUrl: `https://landing.example/?clickid=${clickid}`,
  params: { clickid },
});

/** The URL2 campaign's URL as Trackier holds it now, and the sub2 the pair recorded. */
async function state(pairNumber: number) {
  const campaign = f.fake.campaigns.get(pairs[pairNumber - 1]!.url2CampaignId!);
  const pair = await f.pairs.getPair(OFFER, pairNumber);
  return { url2: campaign ? new URL(campaign.url).searchParams.get('sub2') : undefined, recorded: pair?.sub_id_values?.sub2 };
}

/** The real client, with each call held until the test lets it go. */
function gatedApi() {
  const real = f.client();
  const waiting: { url: string; release: () => void }[] = [];
  const api: TrackierApi = {
    createCampaign: (i) => real.createCampaign(i),
    findCampaignByTitle: (t) => real.findCampaignByTitle(t),
    updateCampaignUrl: async (campaignId, url, options) => {
      await new Promise<void>((release) => waiting.push({ url, release }));
      return real.updateCampaignUrl(campaignId, url, options);
    },
  };
  return { api, waiting };
}

const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

it('an older update arriving after a newer one does not overwrite it', async () => {
  const calls = f.fake.updates(pairs[0]!.url2CampaignId).length;
  expect(await updatePairCampaign(f.updateDeps(), input(1, 'trace-new', T + 5_000, 'NEW'))).toEqual({ updated: true });
  expect(await updatePairCampaign(f.updateDeps(), input(1, 'trace-old', T, 'OLD'))).toEqual({ updated: false, reason: 'superseded' });
  expect(f.fake.updates(pairs[0]!.url2CampaignId).length - calls).toBe(1);
  expect(await state(1)).toEqual({ url2: 'NEW', recorded: 'NEW' });
  expect((await f.pairs.getPair(OFFER, 1))?.lastUpdateOrder).toBe(updateOrderKey(T + 5_000, 'trace-new'));
  // A newer one still goes through.
  expect(await updatePairCampaign(f.updateDeps(), input(1, 'trace-newest', T + 9_000, 'NEWEST'))).toEqual({ updated: true });
  expect(await state(1)).toEqual({ url2: 'NEWEST', recorded: 'NEWEST' });
});

it('in flight together: the newer waits for the older and lands last', async () => {
  const { api, waiting } = gatedApi();
  const deps = f.updateDeps({ api });
  const older = updatePairCampaign(deps, input(2, 'trace-a', T, 'A'));
  await until(() => waiting.length === 1);
  const newer = updatePairCampaign(deps, input(2, 'trace-b', T + 1_000, 'B'));
  await new Promise((r) => setTimeout(r, 400));
  expect(waiting).toHaveLength(1); // the newer did not call Trackier while the older was in flight
  waiting[0]!.release();
  await until(() => waiting.length === 2);
  waiting[1]!.release();
  expect(await Promise.all([older, newer])).toEqual([{ updated: true }, { updated: true }]);
  expect(await state(2)).toEqual({ url2: 'B', recorded: 'B' });
});

it('in flight together: the older, arriving while the newer is in flight, never calls Trackier', async () => {
  const { api, waiting } = gatedApi();
  const deps = f.updateDeps({ api });
  const newer = updatePairCampaign(deps, input(3, 'trace-d', T + 1_000, 'D'));
  await until(() => waiting.length === 1);
  const older = updatePairCampaign(deps, input(3, 'trace-c', T, 'C'));
  await new Promise((r) => setTimeout(r, 400));
  waiting[0]!.release();
  expect(await Promise.all([newer, older])).toEqual([{ updated: true }, { updated: false, reason: 'superseded' }]);
  expect(waiting).toHaveLength(1);
  expect(await state(3)).toEqual({ url2: 'D', recorded: 'D' });
});

it('a slot held longer than the task waits becomes a retry, which then lands in order', async () => {
  let now = T + 100_000;
  const holder = 'trace-stuck';
  expect(await f.pairs.claimUpdate(OFFER, 4, updateOrderKey(T, holder), holder, now, 60_000)).toBe('claimed');
  const deps = f.updateDeps({ clock: () => now, slotWaitMs: 500, backoffMs: [1_000] });
  const result = await updatePairCampaign(deps, input(4, 'trace-e', T + 2_000, 'E'));
  expect(result).toEqual({ updated: false, sideEffectId: 'trackier-update#trace-e', reason: 'retry_scheduled' });
  expect(await f.sideEffects.get('trace-e')).toMatchObject({ status: 'pending', order: updateOrderKey(T + 2_000, 'trace-e'), lastError: { kind: 'pair_busy' } });
  // The holder never finishes; its slot expires, and the retry applies E.
  now += 61_000;
  expect(await retryDueSideEffects(deps, now)).toMatchObject({ due: 1, succeeded: 1 });
  expect(await state(4)).toEqual({ url2: 'E', recorded: 'E' });
});

it('a retried older update is dropped once a newer one landed, even if it failed later than the newer landed', async () => {
  // The older webhook's update failed after the newer's had landed (its createdAt is later):
  // only the webhook order can tell it is stale.
  const landedAt = T + 200_000;
  expect(await updatePairCampaign(f.updateDeps({ clock: () => landedAt }), input(4, 'trace-g', T + 50_000, 'G'))).toEqual({ updated: true });
  const p4 = pairs[3]!;
  await f.sideEffects.put({
    traceId: 'trace-f',
    offerId: OFFER,
    pairNumber: 4,
    campaignId: p4.url2CampaignId!,
    url: 'https://landing.example/?clickid=F&sub2=F',
    values: { sub2: 'F' },
    order: updateOrderKey(T + 40_000, 'trace-f'),
    status: 'pending',
    attempts: 1,
    dueAt: landedAt + 10,
    createdAt: landedAt + 10,
    updatedAt: landedAt + 10,
    lastError: { kind: 'http', status: 503, message: 'unavailable' },
  });
  const calls = f.fake.updates(p4.url2CampaignId).length;
  expect(await retryDueSideEffects(f.updateDeps(), landedAt + 20)).toMatchObject({ due: 1, superseded: 1, succeeded: 0 });
  expect(f.fake.updates(p4.url2CampaignId).length).toBe(calls);
  expect(await state(4)).toEqual({ url2: 'G', recorded: 'G' });
});
