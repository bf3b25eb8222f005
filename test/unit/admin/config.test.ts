import { ConfigError } from '../../../lambdas/shared/config';
import { queueUrlEnv } from '../../../contracts/manifest/env';
import { readAdminIpsConfig, readAdminOffersConfig, readAdminTracesConfig } from '../../../lambdas/admin/config';

describe('admin configuration, read once from the environment', () => {
  it('each admin function reads its own tables', () => {
    expect(readAdminOffersConfig({ TABLE_CATALOG: 'catalog', TABLE_TRACES: 'traces', TABLE_OPS: 'ops', [queueUrlEnv('TraceRequests')]: 'https://sqs/q' })).toEqual({
      catalogTable: 'catalog',
      tracesTable: 'traces',
      opsTable: 'ops',
      queueUrl: 'https://sqs/q',
    });
    expect(readAdminIpsConfig({ TABLE_IPPOOL: 'ip-pool', TABLE_OPS: 'ops', PROXY_PROVIDERS: ' a, b ,' })).toEqual({
      ipPoolTable: 'ip-pool',
      opsTable: 'ops',
      providers: ['a', 'b'],
    });
    expect(readAdminTracesConfig({ TABLE_TRACES: 'traces', TABLE_OPS: 'ops' })).toEqual({ tracesTable: 'traces', traceTtlDays: 7, opsTable: 'ops' });
  });

  it('the trace list goes without the skip hints when the function has no Ops table', () => {
    expect(readAdminTracesConfig({ TABLE_TRACES: 'traces' }).opsTable).toBeUndefined();
  });

  it('fails on a missing variable', () => {
    expect(() => readAdminOffersConfig({})).toThrow(ConfigError);
    expect(() => readAdminOffersConfig({ TABLE_CATALOG: 'catalog', TABLE_TRACES: 'traces', TABLE_OPS: 'ops' })).toThrow(ConfigError);
    expect(() => readAdminIpsConfig({ TABLE_IPPOOL: 'ip-pool', TABLE_OPS: 'ops' })).toThrow(ConfigError);
    expect(() => readAdminTracesConfig({ TABLE_OPS: 'ops' })).toThrow(ConfigError);
  });
});
