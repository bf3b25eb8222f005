import { adsCompatibility } from '../../../lambdas/tracer/ads-compatibility';
import { finalParams, trackClickIds } from '../../../lambdas/tracer/click-ids';
import type { Hop } from '../../../lambdas/tracer/types';

const hop = (url: string, kind: Hop['kind'], status = 302): Hop => ({ url, kind, status, ms: 1 });

describe('Google Ads parallel tracking compatibility', () => {
  test('all HTTPS server redirects is compatible', () => {
    expect(adsCompatibility([hop('https://t.example/c', 'start'), hop('https://n.example/r', 'http'), hop('https://shop.example/', 'http', 200)])).toEqual({
      ok: true,
      reasons: [],
    });
  });

  test('a plain-HTTP hop and a client-side hop are each named', () => {
    const r = adsCompatibility([
      hop('https://t.example/c', 'start'),
      hop('http://n.example/r', 'http'),
      hop('https://m.example/', 'meta-refresh', 200),
      hop('https://j.example/', 'js', 200),
    ]);
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual([
      'hop 1 (http://n.example/r) is not HTTPS',
      'hop 2 (https://m.example/) is reached by a meta-refresh redirect, not an HTTP 3xx',
      'hop 3 (https://j.example/) is reached by a js redirect, not an HTTP 3xx',
    ]);
  });

  test('an app deep link reached by 3xx is fine; a browser-only hop is not', () => {
    expect(adsCompatibility([hop('https://t.example/', 'start'), hop('market://details?id=x', 'http', 0)]).ok).toBe(true);
    expect(adsCompatibility([hop('https://t.example/', 'start'), hop('https://f.example/', 'browser', 200)]).reasons[0]).toMatch(/hop 1 .*browser/);
  });
});

describe('click ids', () => {
  test('tracks the standard ids and offer sub-ids per hop and reports survivors and losses', () => {
    const hops = [
      hop('https://t.example/c?gclid=G&fbclid=F&sub1=S', 'start'),
      hop('https://n.example/r?gclid=G&sub1=S', 'http'),
      hop('https://shop.example/?sub1=S&utm=x', 'http', 200),
    ];
    const r = trackClickIds(hops, 'https://shop.example/?sub1=S&utm=x', ['sub1', 'sub2']);
    expect(r.tracked).toEqual(['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'sub1', 'sub2']);
    expect(r.perHop).toEqual([['gclid', 'fbclid', 'sub1'], ['gclid', 'sub1'], ['sub1']]);
    expect(r.survived).toEqual(['sub1']);
    expect(r.lost).toEqual(['gclid', 'fbclid']);
  });

  test('every standard id survives an intact chain; ids inside a deep-link fragment count', () => {
    const q = 'gclid=1&gbraid=2&wbraid=3&fbclid=4&msclkid=5&ttclid=6';
    const r = trackClickIds([hop(`https://a.example/?${q}`, 'start')], `https://b.example/?${q}`);
    expect(r.survived).toHaveLength(6);
    expect(r.lost).toEqual([]);
    const deep = trackClickIds([hop('https://a.example/?gclid=1', 'start')], 'intent://x#Intent;end?gclid=1');
    expect(deep.survived).toEqual(['gclid']);
  });

  test('final params are the first value of each query name', () => {
    expect(finalParams('https://x.example/?a=1&b=2&a=3')).toEqual({ a: '1', b: '2' });
    expect(finalParams('not a url')).toEqual({});
  });
});
