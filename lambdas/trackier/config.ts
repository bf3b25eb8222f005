/**
 * The configuration of the Trackier functions (webhook, admin API, URL2 updates): one schema for
 * the group, parsed from the environment once per cold start (each handler module's `handler`),
 * or built from a plain object by tests. A missing or invalid variable throws ConfigError. No AWS
 * client or zod here: the webhook's bundle imports this.
 */
import type { Context } from 'aws-lambda';
import { ConfigError, numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { ENV, queueUrlEnv, tableEnv } from '../../contracts/manifest/env';
import { DEFAULT_WEBHOOK_LIMITS, type WebhookLimits } from './webhook-limits';
import { TRACKIER_ENV } from './env';

type Env = NodeJS.ProcessEnv;

/** Before retries 1, 2, … of a failed URL2 update: 1 min, 5 min, 15 min, 1 h, 3 h — six attempts over ~4.3 hours. */
export const DEFAULT_UPDATE_BACKOFF_MS: readonly number[] = [60_000, 300_000, 900_000, 3_600_000, 10_800_000];

export interface TrackierRuntimeConfig {
  readonly secretId: string;
  readonly minCreateIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly updateBackoffMs: readonly number[];
  readonly webhookLogRetentionDays: number;
  readonly publicBaseUrl?: string;
}

export function readTrackierConfig(env: Env = process.env): TrackierRuntimeConfig {
  const minCreateIntervalMs = numberEnv(TRACKIER_ENV.minCreateIntervalMs, 500, env);
  if (minCreateIntervalMs < 0) throw new ConfigError(`${TRACKIER_ENV.minCreateIntervalMs} must be >= 0`);
  const backoffRaw = optionalEnv(TRACKIER_ENV.updateBackoffMs, env);
  const updateBackoffMs = backoffRaw ? backoffRaw.split(',').map((v) => Number(v.trim())) : [...DEFAULT_UPDATE_BACKOFF_MS];
  if (updateBackoffMs.some((v) => !Number.isFinite(v) || v < 0)) throw new ConfigError(`${TRACKIER_ENV.updateBackoffMs} must be a list of delays in ms`);
  return {
    secretId: requireEnv(TRACKIER_ENV.secretArn, env),
    minCreateIntervalMs,
    requestTimeoutMs: numberEnv(TRACKIER_ENV.requestTimeoutMs, 10_000, env),
    updateBackoffMs,
    webhookLogRetentionDays: numberEnv(TRACKIER_ENV.webhookLogRetentionDays, 14, env),
    publicBaseUrl: optionalEnv(TRACKIER_ENV.publicBaseUrl, env),
  };
}

export interface WebhookGuardConfig {
  readonly limits: WebhookLimits;
  readonly rateWindowMs: number;
  readonly missFloorMs: number;
}

export function readWebhookGuardConfig(env: Env = process.env): WebhookGuardConfig {
  const positive = (name: string, fallback: number) => {
    const value = numberEnv(name, fallback, env);
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer`);
    return value;
  };
  const missFloorMs = numberEnv(TRACKIER_ENV.webhookMissFloorMs, 200, env);
  if (!Number.isFinite(missFloorMs) || missFloorMs < 0) throw new ConfigError(`${TRACKIER_ENV.webhookMissFloorMs} must be >= 0`);
  return {
    limits: {
      perPair: positive(TRACKIER_ENV.webhookRatePerPair, DEFAULT_WEBHOOK_LIMITS.perPair),
      perAddress: positive(TRACKIER_ENV.webhookRatePerAddress, DEFAULT_WEBHOOK_LIMITS.perAddress),
    },
    rateWindowMs: positive(TRACKIER_ENV.webhookRateWindowS, 60) * 1000,
    missFloorMs,
  };
}

/** Everything a Trackier function reads from its environment. */
export interface TrackierConfig {
  readonly tables: { readonly catalog: string; readonly ops: string };
  /** The trace queue: the webhook and the admin API's test route send to it; the update function has none. */
  readonly traceQueueUrl?: string;
  /** How long the webhook believes an offer's legacy-route switch, ms. */
  readonly offerCacheTtlMs: number;
  readonly trackier: TrackierRuntimeConfig;
  readonly guards: WebhookGuardConfig;
}

export function readConfig(env: Env = process.env): TrackierConfig {
  return {
    tables: { catalog: requireEnv(tableEnv('Catalog'), env), ops: requireEnv(tableEnv('Ops'), env) },
    traceQueueUrl: optionalEnv(queueUrlEnv('TraceRequests'), env),
    offerCacheTtlMs: numberEnv(ENV.offerCacheTtlMs, 30_000, env),
    trackier: readTrackierConfig(env),
    guards: readWebhookGuardConfig(env),
  };
}

/** The trace queue of a function that sends traces: its absence is a misconfiguration. */
export function traceQueueUrl(config: Pick<TrackierConfig, 'traceQueueUrl'>): string {
  if (!config.traceQueueUrl) throw new ConfigError(`Missing required environment variable ${queueUrlEnv('TraceRequests')}`);
  return config.traceQueueUrl;
}

type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * A handler module's `handler`: inside Lambda built at import from the environment (init pays for
 * it, and a missing variable fails init loudly, as before); anywhere else (a test importing the
 * module for its makeHandler) on the first call, so importing needs no environment.
 */
export function handlerFromEnv<E, R>(build: () => LambdaHandler<E, R>, env: Env = process.env): LambdaHandler<E, R> {
  let built: LambdaHandler<E, R> | undefined = env.AWS_LAMBDA_FUNCTION_NAME ? build() : undefined;
  return (event, context) => (built ??= build())(event, context);
}
