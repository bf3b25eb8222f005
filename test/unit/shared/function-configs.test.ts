/**
 * The click, admin and analytics functions read their config from exactly the variables the
 * stateless stack gives them (their tables, queues and the shared settings): a reader reaching for
 * a variable its function is not given would fail every invocation in AWS. The pipeline's are
 * checked in test/unit/pipeline/task-deps.test.ts.
 */
import { functionById } from '../../../contracts/manifest/functions';
import { ENV, queueUrlEnv, tableEnv } from '../../../contracts/manifest/env';
import type { TableId } from '../../../contracts/manifest/tables';
import type { QueueId } from '../../../contracts/manifest/queues';
import { readClickConfig } from '../../../lambdas/click/config';
import { readAdminIpsConfig, readAdminOffersConfig, readAdminTracesConfig } from '../../../lambdas/admin/config';
import { readAdminOfferStatsConfig } from '../../../lambdas/admin/offer-stats-config';
import { readAdminIpTestConfig } from '../../../lambdas/admin/ip-test-config';
import { readAggregatorConfig, readCampaignsConfig, readIngestConfig, readMetricsConfig } from '../../../lambdas/analytics/config';
import { readHealthConfig } from '../../../lambdas/health/health.handler';
import { readConsoleConfig } from '../../../lambdas/console/console.handler';

function lambdaEnv(functionId: string): NodeJS.ProcessEnv {
  const def = functionById(functionId);
  return {
    [ENV.proxyProviders]: 'default',
    [ENV.providerSecretPrefix]: 'tracepool/dev/proxy/',
    [ENV.offerCacheTtlMs]: '30000',
    ...def.environment,
    ...(def.servesConsole ? { [ENV.consoleAssetsDir]: '/var/task/console' } : {}),
    ...Object.fromEntries(Object.keys(def.tables ?? {}).map((id) => [tableEnv(id as TableId), `Tracepool-${id}`])),
    ...Object.fromEntries(
      Object.entries(def.queues ?? {})
        .filter(([, access]) => access !== 'monitorDlq')
        .map(([id]) => [queueUrlEnv(id as QueueId), `https://sqs.eu-west-1.amazonaws.com/1/${id}`]),
    ),
  };
}

it.each<[string, (env: NodeJS.ProcessEnv) => unknown]>([
  ['Click', readClickConfig],
  ['AdminOffers', readAdminOffersConfig],
  ['AdminOfferStats', readAdminOfferStatsConfig],
  ['AdminIps', readAdminIpsConfig],
  ['AdminIpTest', readAdminIpTestConfig],
  ['AdminTraces', readAdminTracesConfig],
  ['EventIngest', readIngestConfig],
  ['EventAggregator', readAggregatorConfig],
  ['AdminMetrics', readMetricsConfig],
  ['AdminAnalyticsCampaigns', readCampaignsConfig],
  ['Console', readConsoleConfig],
])('%s reads its config from its own environment only', (functionId, read) => {
  expect(() => read(lambdaEnv(functionId))).not.toThrow();
});

it('gives the trace list its hint: AdminTraces is granted the Ops table', () => {
  expect(readAdminTracesConfig(lambdaEnv('AdminTraces')).opsTable).toBe('Tracepool-Ops');
});

it('Health is given the Events queue it checks', () => {
  expect(readHealthConfig(lambdaEnv('Health'))).toEqual({ eventsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/Events' });
});
