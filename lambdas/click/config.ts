/**
 * The click function's configuration, read from its environment once per cold start (by
 * click.handler.ts) or built directly by tests. Hand parsing, not a schema library: the click is
 * the one path where cold start is user-visible, and its bundle carries no zod.
 */
import { ConfigError, numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { ENV, ENV_DEFAULTS, queueUrlEnv, tableEnv, type TrustableCountryHeader } from '../../contracts/manifest/env';
import { parseTrustedCountryHeader } from './click-context';

export interface ClickConfig {
  readonly catalogTable: string;
  /** Parked clicks and this environment's bot-skip counts. */
  readonly opsTable: string;
  readonly queueUrl: string;
  readonly cacheTtlMs: number;
  /** How old a cached offer may still be served when DynamoDB cannot answer. */
  readonly maxStaleMs: number;
  /** The click answers by then, whatever DynamoDB and SQS do. */
  readonly budgetMs: number;
  /** Where clicks on unknown offers go; the 404 page when absent. */
  readonly fallbackUrl?: string;
  readonly trustedCountryHeader?: TrustableCountryHeader;
}

export function readClickConfig(env: NodeJS.ProcessEnv = process.env): ClickConfig {
  const fallbackUrl = optionalEnv(ENV.fallbackUrl, env);
  if (fallbackUrl && !/^https?:\/\//.test(fallbackUrl)) throw new ConfigError(`${ENV.fallbackUrl} must be an absolute http(s) URL`);
  return {
    catalogTable: requireEnv(tableEnv('Catalog'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    queueUrl: requireEnv(queueUrlEnv('TraceRequests'), env),
    cacheTtlMs: numberEnv(ENV.offerCacheTtlMs, ENV_DEFAULTS.offerCacheTtlMs, env),
    maxStaleMs: numberEnv(ENV.offerMaxStaleMs, 24 * 3_600_000, env),
    budgetMs: numberEnv(ENV.clickBudgetMs, 1_000, env),
    fallbackUrl,
    trustedCountryHeader: parseTrustedCountryHeader(optionalEnv(ENV.trustedCountryHeader, env)),
  };
}
