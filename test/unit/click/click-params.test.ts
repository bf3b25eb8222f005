import { selectPassthrough, isAllowedName, MAX_PARAM_VALUE_LENGTH, MAX_PARAMS } from '../../../lambdas/shared/click-params';
import { DEFAULT_PASSTHROUGH } from '../../../lambdas/offers/offer-schema';

const allowed = [...DEFAULT_PASSTHROUGH];

describe('selectPassthrough', () => {
  it('keeps the click ids and utm_* parameters the offer allows', () => {
    const { params, dropped } = selectPassthrough({ gclid: 'abc', fbclid: 'f1', msclkid: 'm1', utm_source: 'google', utm_campaign: 'x', other: 'nope' }, allowed);
    expect(params).toEqual({ gclid: 'abc', fbclid: 'f1', msclkid: 'm1', utm_source: 'google', utm_campaign: 'x' });
    expect(dropped).toEqual([{ name: 'other', reason: 'not_allowed' }]);
  });

  it('drops oversized values instead of truncating them', () => {
    const { params, dropped } = selectPassthrough({ gclid: 'a'.repeat(MAX_PARAM_VALUE_LENGTH + 1) }, allowed);
    expect(params).toEqual({});
    expect(dropped).toEqual([{ name: 'gclid', reason: 'too_long' }]);
  });

  it.each([
    ['CR/LF', 'abc\r\nSet-Cookie: x=1'],
    ['NUL', 'a\u0000b'],
    ['tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['a repeated parameter joined by API Gateway', 'one,two'],
  ])('drops values with %s', (_label, value) => {
    const { params, dropped } = selectPassthrough({ gclid: value }, allowed);
    expect(params).toEqual({});
    expect(dropped[0]?.reason).toBe('malformed');
  });

  it('caps the number of parameters', () => {
    const query = Object.fromEntries(Array.from({ length: MAX_PARAMS + 5 }, (_, i) => [`utm_${i}`, 'v']));
    const { params, dropped } = selectPassthrough(query, allowed);
    expect(Object.keys(params)).toHaveLength(MAX_PARAMS);
    expect(dropped.filter((d) => d.reason === 'too_many')).toHaveLength(5);
  });

  it('matches exact names and prefix rules only', () => {
    expect(isAllowedName('utm_medium', ['utm_*'])).toBe(true);
    expect(isAllowedName('xutm_medium', ['utm_*'])).toBe(false);
    expect(isAllowedName('gclid2', ['gclid'])).toBe(false);
  });
});
