import { buildRedirectUrl } from '../../../lambdas/click/redirect-url';

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
});
