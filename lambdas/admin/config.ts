/**
 * The configuration of each admin function, read from its environment once per cold start (the
 * handler modules' `handler`) or built directly by tests. A missing variable throws (ConfigError).
 * Each reads only what its own function is given: its tables (bindTable) and the shared settings.
 */
import { numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { ENV, ENV_DEFAULTS, queueUrlEnv, tableEnv } from '../../contracts/manifest/env';

/** /admin/offers: PUT|GET|DELETE one, the list, restore, pause, resume, trace now. */
export interface AdminOffersConfig {
  readonly catalogTable: string;
  /** The list's resolutions and success rates (the byOffer index). */
  readonly tracesTable: string;
  /** Where "trace now" parks its request when the queue fails, as the click does; the resolution history. */
  readonly opsTable: string;
  readonly queueUrl: string;
}

export function readAdminOffersConfig(env: NodeJS.ProcessEnv = process.env): AdminOffersConfig {
  return {
    catalogTable: requireEnv(tableEnv('Catalog'), env),
    tracesTable: requireEnv(tableEnv('Traces'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    queueUrl: requireEnv(queueUrlEnv('TraceRequests'), env),
  };
}

/** POST|GET /admin/ips, POST /admin/ips/reset-health. */
export interface AdminIpsConfig {
  readonly ipPoolTable: string;
  /** The pool's country list. */
  readonly opsTable: string;
  /** The proxy providers an imported IP may name. */
  readonly providers: readonly string[];
}

export function readAdminIpsConfig(env: NodeJS.ProcessEnv = process.env): AdminIpsConfig {
  return {
    ipPoolTable: requireEnv(tableEnv('IpPool'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    providers: requireEnv(ENV.proxyProviders, env)
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  };
}

/** GET /admin/traces/{traceId} and GET /admin/traces. */
export interface AdminTracesConfig {
  readonly tracesTable: string;
  /** The records' TTL, as the pipeline writes them (the reads here never set it). */
  readonly traceTtlDays: number;
  /** Without the Ops table (or its read grant) the list is served without the skip hints. */
  readonly opsTable?: string;
}

export function readAdminTracesConfig(env: NodeJS.ProcessEnv = process.env): AdminTracesConfig {
  return {
    tracesTable: requireEnv(tableEnv('Traces'), env),
    traceTtlDays: numberEnv(ENV.traceTtlDays, ENV_DEFAULTS.traceTtlDays, env),
    opsTable: optionalEnv(tableEnv('Ops'), env),
  };
}
