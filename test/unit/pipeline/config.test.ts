import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { ConfigError } from '../../../lambdas/shared/config';
import { DEFAULT_BACKOFF_MS } from '../../../lambdas/pipeline/retry-policy';
import { readAcquireLeaseConfig, readMaintenanceConfig, readRecordFailureConfig, readStoreResultConfig } from '../../../lambdas/pipeline/config';
import * as acquireLease from '../../../lambdas/pipeline/acquire-lease.handler';

const env = {
  TABLE_TRACES: 'traces',
  TABLE_IPPOOL: 'ip-pool',
  TABLE_OPS: 'ops',
  TABLE_CATALOG: 'catalog',
  TABLE_TRACERMEMORY: 'tracer-memory',
};

describe('RETRY_BACKOFF_MS', () => {
  it('is a comma list of positive integers (ms), spaces allowed; the documented default when unset or empty', () => {
    expect(readRecordFailureConfig({ ...env, RETRY_BACKOFF_MS: ' 60000, 300000,900000 ' }).backoffMs).toEqual([60_000, 300_000, 900_000]);
    expect(readRecordFailureConfig({ ...env, RETRY_BACKOFF_MS: '1' }).backoffMs).toEqual([1]);
    expect(readRecordFailureConfig(env).backoffMs).toEqual(DEFAULT_BACKOFF_MS);
    expect(readRecordFailureConfig({ ...env, RETRY_BACKOFF_MS: '' }).backoffMs).toEqual(DEFAULT_BACKOFF_MS);
  });

  it.each(['60000,abc', '0', '-5', '1.5', '60000,,120000', ' ', '1e3', '60000;120000', '99999999999999999999'])(
    'fails at cold start on %p, naming the variable, in every function that reads it',
    (value) => {
      for (const read of [readRecordFailureConfig, readStoreResultConfig, readMaintenanceConfig]) {
        expect(() => read({ ...env, RETRY_BACKOFF_MS: value })).toThrow(ConfigError);
        expect(() => read({ ...env, RETRY_BACKOFF_MS: value })).toThrow(/RETRY_BACKOFF_MS must be a comma-separated list of positive integers/);
      }
    },
  );
});

describe('the offer cache TTL', () => {
  it('AcquireLease takes OFFER_CACHE_TTL_MS, the setting the click reads, with the same 30 s default', () => {
    expect(readAcquireLeaseConfig({ ...env, OFFER_CACHE_TTL_MS: '5000' }).offerCacheTtlMs).toBe(5_000);
    expect(readAcquireLeaseConfig(env).offerCacheTtlMs).toBe(30_000);
    expect(() => readAcquireLeaseConfig({ ...env, OFFER_CACHE_TTL_MS: 'soon' })).toThrow(ConfigError);
  });

  it("AcquireLease's offer cache keeps an offer for the configured TTL", async () => {
    const reads: string[] = [];
    const doc = {
      send: async (command: { input: { TableName: string; Key: { pk: string } } }) => {
        reads.push(`${command.input.TableName}/${command.input.Key.pk}`);
        return { Item: { ...command.input.Key, sk: 'offer', offerId: 'o1', redirectUrl: 'https://shop.example/' } };
      },
    } as unknown as DynamoDBDocumentClient;
    const offersWith = (ttl: string) => acquireLease.makeDeps(readAcquireLeaseConfig({ ...env, OFFER_CACHE_TTL_MS: ttl }), { doc, sfn: {} as SFNClient }).offers;

    const cached = offersWith('60000');
    await cached.get('o1');
    await cached.get('o1');
    expect(reads).toEqual(['catalog/offer#o1']);

    reads.length = 0;
    const uncached = offersWith('0'); // every read goes to the Catalog
    await uncached.get('o1');
    await uncached.get('o1');
    expect(reads).toEqual(['catalog/offer#o1', 'catalog/offer#o1']);
  });
});
