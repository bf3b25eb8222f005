import { mapSubIds, url2Destination } from '../../../lambdas/trackier/sub-id-mapping';
import { DEFAULT_SUB_ID_MAPPING, effectiveMapping, googleAdsTemplate, webhookUrl } from '../../../lambdas/trackier/pair';
import { neutralizeFormula, pairsCsv } from '../../../lambdas/trackier/csv-export';
import { classifyUpdateError, nextRetryDelay, DEFAULT_UPDATE_BACKOFF_MS } from '../../../lambdas/trackier/update-campaign';
import { TrackierApiError, campaignIdOf, isRetryable, parseRetryAfter, TrackierCredentials } from '../../../lambdas/trackier/trackier-api';
import { parseCsv } from '../../../lambdas/lease/csv';
import { computeStats } from '../../../lambdas/trackier/pair-admin';
import { inspect } from 'node:util';

describe('sub-id mapping', () => {
  it('default: click id, network click id, then the network sub params', () => {
    const values = mapSubIds({ gbraid: 'GB', clickid: 'C', aff_sub: 'S1', s2: 'S2', sub3: 'S3', other: 'x' }, DEFAULT_SUB_ID_MAPPING);
    expect(values).toEqual({ sub1: 'GB', sub2: 'C', sub3: 'S1', sub4: 'S2', sub5: 'S3' });
  });

  it('first candidate with a usable value wins; empty, huge or control-character values are skipped', () => {
    expect(mapSubIds({ gclid: '', gbraid: 'B' }, DEFAULT_SUB_ID_MAPPING).sub1).toBe('B');
    expect(mapSubIds({ gclid: 'x'.repeat(513), wbraid: 'W' }, DEFAULT_SUB_ID_MAPPING).sub1).toBe('W');
    expect(mapSubIds({ gclid: 'a\nb' }, DEFAULT_SUB_ID_MAPPING).sub1).toBeUndefined();
  });

  it('pair mapping beats offer mapping beats default', () => {
    expect(effectiveMapping({ subIdMapping: { sub1: ['a'] } }, { subIdMapping: { sub1: ['b'] } })).toEqual({ sub1: ['a'] });
    expect(effectiveMapping({}, { subIdMapping: { sub1: ['b'] } })).toEqual({ sub1: ['b'] });
    expect(effectiveMapping({}, undefined)).toBe(DEFAULT_SUB_ID_MAPPING);
  });

  it('URL2 destination: the final URL with the sub values set; non-web final URLs refused', () => {
    expect(url2Destination('https://l.example/p?a=1&sub1=old', { sub1: 'n&w', sub3: 'z' })).toBe('https://l.example/p?a=1&sub1=n%26w&sub3=z');
    expect(url2Destination('market://details?id=1', { sub1: 'x' })).toBeUndefined();
    expect(url2Destination('https://u:p@l.example/', {})).toBeUndefined();
    expect(url2Destination('not a url', {})).toBeUndefined();
  });

  it('URLs handed to operators keep the macros literal', () => {
    expect(webhookUrl('https://api.example/', 'TOK')).toBe('https://api.example/webhooks/trackier?token=TOK&campaign_id={campaign_id}');
    expect(googleAdsTemplate('t.example', '55', '3')).toBe(
      'https://t.example/click?campaign_id=55&pub_id=3&sub1={gclid}&sub2={campaignid}&sub3={adgroupid}&sub4={creative}&sub5={keyword}&lpurl={lpurl}',
    );
  });
});

describe('CSV', () => {
  const base = {
    offerId: 'o',
    enabled: true,
    webhookToken: '-startsWithDash_xxxxxx',
    webhookUrl: 'https://x/?a=1,2',
    webhook_count: 1,
    update_count: 0,
    createdAt: 0,
    updatedAt: 0,
  };
  it('escapes quotes, commas and line breaks, and round-trips through an RFC 4180 reader', () => {
    const csv = pairsCsv([
      { ...base, pairNumber: 1, name: 'a "quoted", name\r\nnext', sub_id_values: { sub1: 'x,y' } },
      { ...base, pairNumber: 2, name: '@SUM(A1)', sub_id_values: { sub2: '=1+1' }, last_webhook_at: Date.UTC(2026, 0, 2) },
    ]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const { rows, errors } = parseCsv(csv);
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(3);
    expect(rows[1]!.fields[2]).toBe('a "quoted", name\r\nnext');
    expect(rows[1]!.fields[6]).toBe('-startsWithDash_xxxxxx'); // our tokens are never altered
    expect(rows[1]!.fields[7]).toBe('https://x/?a=1,2');
    expect(rows[2]!.fields[2]).toBe("'@SUM(A1)");
    expect(rows[2]!.fields[11]).toBe('2026-01-02T00:00:00.000Z');
    expect(rows[2]!.fields).toContain("'=1+1");
  });

  it('neutralizes formula starters only', () => {
    expect(['=a', '+a', '-a', '@a', '\ta', 'a=b', ''].map(neutralizeFormula)).toEqual(["'=a", "'+a", "'-a", "'@a", "'\ta", 'a=b', '']);
  });
});

describe('stats', () => {
  it('totals and the latest webhook across pairs', () => {
    const p = (n: number, hooks: number, updates: number, at?: number) => ({
      offerId: 'o',
      pairNumber: n,
      name: `p${n}`,
      enabled: n !== 3,
      webhookToken: 't',
      webhookUrl: 'u',
      webhook_count: hooks,
      update_count: updates,
      last_webhook_at: at,
      createdAt: 0,
      updatedAt: 0,
    });
    const stats = computeStats('o', [p(1, 2, 1, 100), p(2, 5, 4, 300), p(3, 0, 0)]);
    expect(stats).toMatchObject({ total_pairs: 3, enabled_pairs: 2, total_webhook_count: 7, total_update_count: 5, latest_webhook: { at: 300, pairNumber: 2 } });
    expect(computeStats('o', [p(1, 0, 0)]).latest_webhook).toBeNull();
  });
});

describe('retry rules', () => {
  it('408, 429, 5xx, timeouts and connection errors are retried; other answers are final', () => {
    const http = (s: number) => new TrackierApiError('x', 'http', s);
    expect([408, 429, 500, 502, 503, 504, 599].map((s) => classifyUpdateError(http(s)))).toEqual(Array(7).fill('retry'));
    expect([400, 401, 403, 404, 409, 410, 422].map((s) => classifyUpdateError(http(s)))).toEqual(Array(7).fill('final'));
    expect(classifyUpdateError(new TrackierApiError('t', 'timeout', 408))).toBe('retry');
    expect(classifyUpdateError(new TrackierApiError('n', 'network'))).toBe('retry');
    expect(classifyUpdateError(new TrackierApiError('b', 'bad_response', 200))).toBe('final');
    expect(isRetryable('http', 600)).toBe(false);
  });

  it('exponential backoff with ±10 % jitter, then nothing', () => {
    expect(DEFAULT_UPDATE_BACKOFF_MS).toEqual([60_000, 300_000, 900_000, 3_600_000, 10_800_000]);
    expect([1, 2, 3, 4, 5].map((a) => nextRetryDelay(a, DEFAULT_UPDATE_BACKOFF_MS, () => 0.5))).toEqual([...DEFAULT_UPDATE_BACKOFF_MS]);
    expect(nextRetryDelay(1, [1000], () => 0)).toBe(900);
    expect(nextRetryDelay(1, [1000], () => 1)).toBe(1100);
    expect(nextRetryDelay(6, DEFAULT_UPDATE_BACKOFF_MS)).toBeUndefined();
  });

  it('Retry-After: seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0, 0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.25', now)).toBe(250);
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('campaign ids from v2 and v1 response shapes', () => {
    expect(campaignIdOf({ success: true, campaign: { id: 42 } })).toBe('42');
    expect(campaignIdOf({ success: true, data: { campaign: { display_id: 1807, _id: 'abc' } } })).toBe('1807');
    expect(campaignIdOf({ data: { campaign: { _id: 'abc' } } })).toBe('abc');
    expect(campaignIdOf({ success: true })).toBeUndefined();
  });

  it('credentials never print the key', () => {
    const c = new TrackierCredentials('https://api.trackier.com', 'super-secret');
    expect(JSON.stringify(c)).not.toContain('super-secret');
    expect(inspect(c)).not.toContain('super-secret');
    expect(`${String(c.apiKey)}`).toBe('super-secret');
  });
});

describe('Trackier secret', () => {
  const { trackierCredentialsFromSecret, TrackierConfigError } =
    jest.requireActual<typeof import('../../../lambdas/trackier/trackier-api')>('../../../lambdas/trackier/trackier-api');
  const source = (value: string | undefined) => {
    const calls: string[] = [];
    return { calls, getSecretString: async (name: string) => (calls.push(name), value) };
  };

  it('reads { baseUrl, apiKey }, caches it for the TTL, and rejects malformed secrets without echoing them', async () => {
    let now = 0;
    const s = source(JSON.stringify({ baseUrl: 'https://api.trackier.com/', apiKey: 'k-123' }));
    const get = trackierCredentialsFromSecret({ source: s, clock: () => now }, { secretId: 'arn:trk', ttlMs: 1000 });
    const c = await get();
    expect([c.baseUrl, c.apiKey]).toEqual(['https://api.trackier.com', 'k-123']);
    await get();
    now = 1001;
    await get();
    expect(s.calls).toEqual(['arn:trk', 'arn:trk']);

    for (const bad of [undefined, 'not json k-123', JSON.stringify({ baseUrl: 'http://api.trackier.com', apiKey: 'k-123' }), JSON.stringify({ baseUrl: 'https://x' })]) {
      const error = await trackierCredentialsFromSecret({ source: source(bad), clock: () => 0 }, { secretId: 's' })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrackierConfigError);
      expect(String((error as Error).message)).not.toContain('k-123');
    }
  });
});
