import { ConfigError } from '../../../lambdas/shared/config';
import { readAggregatorConfig, readIngestConfig, readMetricsConfig } from '../../../lambdas/analytics/config';

describe('analytics configuration, read once from the environment', () => {
  it('EventIngest: the events queue and the CORS origins, none when unset', () => {
    expect(readIngestConfig({ QUEUE_URL_EVENTS: 'http://q/events', EVENT_CORS_ORIGINS: 'https://a.example, https://b.example,' })).toEqual({
      eventsQueueUrl: 'http://q/events',
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(readIngestConfig({ QUEUE_URL_EVENTS: 'http://q/events' }).corsOrigins).toEqual([]);
    expect(() => readIngestConfig({})).toThrow(ConfigError);
  });

  it('EventAggregator: its tables, the raw-event TTL (90 days by default) and where the geo databases ship', () => {
    expect(readAggregatorConfig({ TABLE_ANALYTICS: 'analytics', TABLE_CATALOG: 'catalog' })).toEqual({
      analyticsTable: 'analytics',
      catalogTable: 'catalog',
      rawEventTtlDays: 90,
      geoDbDir: undefined,
    });
    expect(readAggregatorConfig({ TABLE_ANALYTICS: 'a', TABLE_CATALOG: 'c', RAW_EVENT_TTL_DAYS: '30', GEO_DB_DIR: '/var/task' })).toMatchObject({
      rawEventTtlDays: 30,
      geoDbDir: '/var/task',
    });
    expect(() => readAggregatorConfig({ TABLE_ANALYTICS: 'a' })).toThrow(ConfigError);
  });

  it('AdminMetrics: the Analytics table only', () => {
    expect(readMetricsConfig({ TABLE_ANALYTICS: 'analytics' })).toEqual({ analyticsTable: 'analytics' });
    expect(() => readMetricsConfig({})).toThrow(ConfigError);
  });
});
