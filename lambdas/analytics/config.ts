/**
 * The configuration of each analytics function, read from its environment once per cold start
 * (the handler modules' `handler`) or built directly by tests. Hand parsing with the shared
 * helpers, no schema library: EventIngest's cold start is user-visible (a pixel waits on it).
 */
import { numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { ENV, queueUrlEnv, tableEnv } from '../../contracts/manifest/env';

/** GET|POST /event/{type}. */
export interface IngestConfig {
  readonly eventsQueueUrl: string;
  /** Origins browsers may send events from ("*": any); none when unset. */
  readonly corsOrigins: readonly string[];
}

export function readIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  return {
    eventsQueueUrl: requireEnv(queueUrlEnv('Events'), env),
    corsOrigins: (optionalEnv(ENV.corsOrigins, env) ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  };
}

/** The events queue's consumer. */
export interface AggregatorConfig {
  readonly analyticsTable: string;
  /** The offers' accounts. */
  readonly catalogTable: string;
  readonly rawEventTtlDays: number;
  /** Where the city databases ship next to the bundle (Lambda); node_modules when absent. */
  readonly geoDbDir?: string;
}

export function readAggregatorConfig(env: NodeJS.ProcessEnv = process.env): AggregatorConfig {
  return {
    analyticsTable: requireEnv(tableEnv('Analytics'), env),
    catalogTable: requireEnv(tableEnv('Catalog'), env),
    rawEventTtlDays: numberEnv(ENV.rawEventTtlDays, 90, env),
    geoDbDir: optionalEnv(ENV.geoDbDir, env),
  };
}

/** GET /admin/metrics/hourly. */
export interface MetricsConfig {
  readonly analyticsTable: string;
}

export function readMetricsConfig(env: NodeJS.ProcessEnv = process.env): MetricsConfig {
  return { analyticsTable: requireEnv(tableEnv('Analytics'), env) };
}

/** /admin/analytics/campaigns: the campaign → account mappings in the Catalog. */
export interface CampaignsConfig {
  readonly catalogTable: string;
}

export function readCampaignsConfig(env: NodeJS.ProcessEnv = process.env): CampaignsConfig {
  return { catalogTable: requireEnv(tableEnv('Catalog'), env) };
}
