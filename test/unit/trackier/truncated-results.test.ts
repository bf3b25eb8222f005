/**
 * The learned parameters go into live Trackier campaigns (URL2 and its sub ids): a trace result
 * cut to fit the pipeline (lambdas/tracer/limits.ts) must never put a cut value there.
 */
import { updatePairCampaign, type UpdateDeps } from '../../../lambdas/trackier/update-campaign';
import { normalizeInput } from '../../../lambdas/trackier/update-campaign.handler';
import { buildResult } from '../../../lambdas/tracer/result';
import { LIMITS } from '../../../lambdas/tracer/limits';

function fakeDeps() {
  const sent: { campaignId: string; url: string }[] = [];
  const recorded: Record<string, string>[] = [];
  const deps = {
    pairs: {
      getPair: async () => ({ offerId: 'o', pairNumber: 1, enabled: true, url2CampaignId: 'c2' }),
      getSettings: async () => undefined,
      recordUpdate: async (_o: string, _n: number, _t: string, values: Record<string, string>) => (recorded.push(values), true),
      claimUpdate: async () => 'claimed',
      releaseUpdate: async () => undefined,
    },
    api: { updateCampaignUrl: async (campaignId: string, url: string) => void sent.push({ campaignId, url }) },
    sideEffects: {},
    clock: () => 1,
  } as unknown as UpdateDeps;
  return { deps, sent, recorded };
}

/** The pipeline state after StoreResult, for a result built by the tracer's own code. */
const stateAfter = (finalUrl: string) => {
  const result = buildResult({ outcome: 'resolved', finalUrl, mode: 'http', hops: [{ url: finalUrl, status: 200, kind: 'start', ms: 1 }], proxyBytes: 0, ms: 1 });
  return {
    request: { traceId: 't1', pair: { offerId: 'o', pairNumber: 1 } },
    stored: { status: 'completed', finalUrl: result.finalUrl, params: result.params, ...(result.truncated ? { truncated: result.truncated } : {}) },
  };
};

describe('Trackier URL2 updates from cut results', () => {
  test('parameters cut or dropped from the result are read whole from the (intact) final URL', async () => {
    // The click id comes after the 100 parameters the result keeps; another value is over the value cap.
    const filler = Array.from({ length: 150 }, (_, i) => `f${i}=1`).join('&');
    const finalUrl = `https://shop.example/landing?${filler}&gclid=GCLID-1&clickid=NET-9&aff_sub=${'s'.repeat(LIMITS.paramValueBytes + 10)}`;
    expect(finalUrl.length).toBeLessThan(LIMITS.finalUrlBytes);
    const state = stateAfter(finalUrl);
    expect(state.stored.truncated?.params).toBeGreaterThan(0);
    expect(state.stored.params.gclid).toBeUndefined();

    const { deps, sent, recorded } = fakeDeps();
    expect(await updatePairCampaign(deps, normalizeInput(state as never)!)).toEqual({ updated: true });
    expect(recorded).toEqual([{ sub1: 'GCLID-1', sub2: 'NET-9' }]); // the over-long aff_sub is skipped, not cut
    const url = new URL(sent[0]!.url);
    expect(url.searchParams.get('sub1')).toBe('GCLID-1');
    expect(sent[0]!.url).not.toContain('…');
  });

  test('a cut final URL is never a destination', async () => {
    const { deps, sent } = fakeDeps();
    const cut = {
      traceId: 't2',
      pair: { offerId: 'o', pairNumber: 1 },
      finalUrl: 'https://shop.example/?q=xx…',
      params: { q: 'xx…' },
      truncated: { finalUrl: 300_000, urls: 1 },
    };
    expect(await updatePairCampaign(deps, cut)).toEqual({ updated: false, reason: 'final_url_truncated' });
    expect(sent).toEqual([]);
  });

  test('an uncut result is used as before', async () => {
    const { deps, recorded } = fakeDeps();
    const state = stateAfter('https://shop.example/landing?gclid=G&clickid=N');
    expect(state.stored.truncated).toBeUndefined();
    expect(await updatePairCampaign(deps, normalizeInput(state as never)!)).toEqual({ updated: true });
    expect(recorded).toEqual([{ sub1: 'G', sub2: 'N' }]);
  });
});
