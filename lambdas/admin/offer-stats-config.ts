/**
 * The configuration of AdminOfferStats, read from its environment once per cold start or built
 * directly by tests. Kept beside config.ts, in its own module, as its function is.
 */
import { numberEnv, requireEnv } from '../shared/config';
import { ENV, ENV_DEFAULTS, tableEnv } from '../../contracts/manifest/env';

/** GET /admin/offers/{offerId}/stats. */
export interface AdminOfferStatsConfig {
  /** The 404 for an unknown offer. */
  readonly catalogTable: string;
  /** The offer's traces (the byOffer index). */
  readonly tracesTable: string;
  /** The skip counters: clicks not traced. */
  readonly opsTable: string;
  /** How long traces are kept: the longest range that can be answered. */
  readonly traceTtlDays: number;
}

export function readAdminOfferStatsConfig(env: NodeJS.ProcessEnv = process.env): AdminOfferStatsConfig {
  return {
    catalogTable: requireEnv(tableEnv('Catalog'), env),
    tracesTable: requireEnv(tableEnv('Traces'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    traceTtlDays: numberEnv(ENV.traceTtlDays, ENV_DEFAULTS.traceTtlDays, env),
  };
}
