import { ConfigError } from '../../../lambdas/shared/config';
import { readClickConfig } from '../../../lambdas/click/config';

const env = { TABLE_CATALOG: 'catalog', TABLE_OPS: 'ops', QUEUE_URL_TRACEREQUESTS: 'http://q/trace' };

describe('click configuration, read once from the environment', () => {
  it('its tables and queue, with the documented defaults', () => {
    expect(readClickConfig(env)).toEqual({
      catalogTable: 'catalog',
      opsTable: 'ops',
      queueUrl: 'http://q/trace',
      cacheTtlMs: 30_000,
      maxStaleMs: 86_400_000,
      budgetMs: 1_000,
      fallbackUrl: undefined,
      trustedCountryHeader: undefined,
    });
  });

  it('the settings the stack sets', () => {
    expect(
      readClickConfig({
        ...env,
        OFFER_CACHE_TTL_MS: '5000',
        OFFER_MAX_STALE_MS: '60000',
        CLICK_BUDGET_MS: '800',
        UNKNOWN_OFFER_FALLBACK_URL: 'https://shop.example/',
        TRUSTED_COUNTRY_HEADER: 'CF-IPCountry',
      }),
    ).toMatchObject({ cacheTtlMs: 5_000, maxStaleMs: 60_000, budgetMs: 800, fallbackUrl: 'https://shop.example/', trustedCountryHeader: 'cf-ipcountry' });
  });

  it('fails on a missing variable, a relative fallback URL or an untrustable header', () => {
    expect(() => readClickConfig({ ...env, TABLE_OPS: undefined })).toThrow(ConfigError);
    expect(() => readClickConfig({ ...env, UNKNOWN_OFFER_FALLBACK_URL: 'shop.example' })).toThrow(/absolute http\(s\) URL/);
    expect(() => readClickConfig({ ...env, TRUSTED_COUNTRY_HEADER: 'x-forwarded-for' })).toThrow(/trusted country header/);
  });
});
