/** The resolution history's pure rules: which parameters are volatile, what identifies a resolution, and the entry/diff step. */
import { changedValues, isVolatileParam, nextStep, resolutionOf } from '../../../lambdas/offers/offer-history';

describe('isVolatileParam', () => {
  it.each([
    ['gclid', 'abc'],
    ['FBCLID', 'x'],
    ['msclkid', 'x'],
    ['ttclid', 'x'],
    ['irclickid', 'x'],
    ['ref', '3f2b8c1e-9a7d-4e2f-8b1a-0c9d8e7f6a5b'], // a UUID, whatever its name
    ['ts', '1764686400'], // epoch seconds
    ['t', '1764686400123'], // epoch ms
    ['token', 'aZ3kP9qL2mX7vB1nC8dF'], // 20 chars mixing letters and digits
  ])('%s=%s is volatile', (name, value) => expect(isVolatileParam(name, value)).toBe(true));

  it.each([
    ['utm_campaign', 'spring_sale_2026'],
    ['utm_source', 'google'],
    ['lang', 'de'],
    ['page', '2'],
    ['category', 'running-shoes-for-women-and-men'], // long, but a word, no digits
    ['year', '2026'],
  ])('%s=%s is stable', (name, value) => expect(isVolatileParam(name, value)).toBe(false));

  it("treats the offer's own passthrough names as volatile (case-insensitive)", () => {
    expect(isVolatileParam('subid', 's1')).toBe(false);
    expect(isVolatileParam('SubId', 's1', ['subid'])).toBe(true);
  });
});

describe('resolutionOf', () => {
  it('drops volatile parameters and the fragment, sorts the stable ones, keeps every name', () => {
    const r = resolutionOf('https://shop.example/land?b=2&gclid=G1&a=1#top', { gclid: 'G1', a: '1', b: '2' })!;
    expect(r.landing).toBe('https://shop.example/land?a=1&b=2');
    expect(r.paramNames).toEqual(['a', 'b', 'gclid']);
    expect(r.stable).toEqual({ a: '1', b: '2' });
  });

  it('gives two clicks of one landing the same key, a changed value or a new name a different one', () => {
    const a = resolutionOf('https://shop.example/land?a=1&gclid=G1')!;
    expect(resolutionOf('https://shop.example/land?gclid=G2&a=1')!.key).toBe(a.key);
    expect(resolutionOf('https://shop.example/land?a=2&gclid=G1')!.key).not.toBe(a.key);
    expect(resolutionOf('https://shop.example/land?a=1')!.key).not.toBe(a.key);
    expect(resolutionOf('https://shop.example/other?a=1&gclid=G1')!.key).not.toBe(a.key);
  });

  it('answers undefined for a URL it cannot parse', () => expect(resolutionOf('not a url')).toBeUndefined());
});

describe('changedValues and nextStep', () => {
  it('lists changed, added and removed stable values', () => {
    expect(changedValues({ a: '1', b: '2', c: '3' }, { a: '1', b: '9', d: '4' })).toEqual({ b: { from: '2', to: '9' }, c: { from: '3' }, d: { to: '4' } });
    expect(changedValues(undefined, { a: '1' })).toEqual({});
  });

  it('bumps the newest entry for the same resolution, starts one with the changed values otherwise', () => {
    const first = resolutionOf('https://s.example/?v=1&gclid=A')!;
    expect(nextStep(undefined, first)).toEqual({ kind: 'start', resolution: first, changed: {} });
    const latest = { key: first.key, firstSeen: 100, stable: first.stable };
    expect(nextStep(latest, resolutionOf('https://s.example/?v=1&gclid=B')!)).toEqual({ kind: 'bump', firstSeen: 100, key: first.key });
    const changed = resolutionOf('https://s.example/?v=2&gclid=C')!;
    expect(nextStep(latest, changed)).toEqual({ kind: 'start', resolution: changed, changed: { v: { from: '1', to: '2' } } });
  });
});
