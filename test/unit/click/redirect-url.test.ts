import { buildRedirectUrl } from '../../../lambdas/shared/redirect-url';

describe('buildRedirectUrl', () => {
  it('merges parameters into the offer URL, keeping its own', () => {
    expect(buildRedirectUrl('https://shop.example/land?ref=ads', { gclid: 'g1' })).toBe('https://shop.example/land?ref=ads&gclid=g1');
  });

  it('lets the click value replace a same-named placeholder', () => {
    expect(buildRedirectUrl('https://shop.example/?gclid={gclid}', { gclid: 'real' })).toBe('https://shop.example/?gclid=real');
  });

  it('percent-encodes values so they cannot change the destination', () => {
    const url = new URL(buildRedirectUrl('https://shop.example/p', { utm_term: 'x&redirect=https://evil.example/#frag' }));
    expect(url.host).toBe('shop.example');
    expect(url.pathname).toBe('/p');
    expect(url.searchParams.get('utm_term')).toBe('x&redirect=https://evil.example/#frag');
    expect(url.searchParams.get('redirect')).toBeNull();
    expect(url.hash).toBe('');
  });

  it('keeps the offer fragment', () => {
    expect(buildRedirectUrl('https://shop.example/p#top', { gclid: 'g' })).toBe('https://shop.example/p?gclid=g#top');
  });

  describe('keeps the offer URL exactly as written', () => {
    it.each([
      ['a network macro', 'https://aff.example/c?sub={clickid}&o=7', { gclid: 'G' }, 'https://aff.example/c?sub={clickid}&o=7&gclid=G'],
      ['a %20 (never turned into +)', 'https://shop.example/s?q=red%20shoes', { gclid: 'G' }, 'https://shop.example/s?q=red%20shoes&gclid=G'],
      ['a + and an encoded slash', 'https://shop.example/s?q=a+b&next=%2Fcart', { gclid: 'G' }, 'https://shop.example/s?q=a+b&next=%2Fcart&gclid=G'],
      [
        'the order of its parameters, a repeated name and a bare flag',
        'https://shop.example/?b=2&a=1&a=3&flag',
        { gclid: 'G' },
        'https://shop.example/?b=2&a=1&a=3&flag&gclid=G',
      ],
      ['its fragment, with a query-like part', 'https://app.example/#/p?x={x}', { gclid: 'G' }, 'https://app.example/?gclid=G#/p?x={x}'],
      ['a host without a path', 'https://shop.example', { gclid: 'G' }, 'https://shop.example?gclid=G'],
      ['a query written as ? alone', 'https://shop.example/p?', { gclid: 'G' }, 'https://shop.example/p?gclid=G'],
    ])('%s', (_label, offerUrl, params, expected) => {
      expect(buildRedirectUrl(offerUrl, params)).toBe(expected);
    });

    it('returns it untouched when the click adds nothing', () => {
      for (const url of ['https://shop.example', 'https://aff.example/c?sub={clickid}&q=a%20b#x']) expect(buildRedirectUrl(url, {})).toBe(url);
    });

    it('replaces by name only: every earlier copy of a passthrough name gives way to the click value, others stay', () => {
      expect(buildRedirectUrl('https://shop.example/?utm_source={src}&x=1&utm_source=old&gclid=', { utm_source: 'google', gclid: 'G' })).toBe(
        'https://shop.example/?utm_source=google&x=1&gclid=G',
      );
      // A name written percent-encoded is the same name.
      expect(buildRedirectUrl('https://shop.example/?utm%5Fsource=x', { utm_source: 'y' })).toBe('https://shop.example/?utm_source=y');
    });

    it('encodes only what the click adds (encodeURIComponent: a space is %20)', () => {
      expect(buildRedirectUrl('https://shop.example/?q={q}', { utm_term: 'red shoes/50%' })).toBe('https://shop.example/?q={q}&utm_term=red%20shoes%2F50%25');
    });

    it('percent-encodes the characters a Location header cannot carry, and only those', () => {
      expect(buildRedirectUrl('https://shop.example/caf\u00e9 menu?sub={clickid}', { gclid: 'G' })).toBe('https://shop.example/caf%C3%A9%20menu?sub={clickid}&gclid=G');
    });
  });
});
