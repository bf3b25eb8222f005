/**
 * Wiring shared by the Trackier handlers: the Trackier client (secret-backed credentials, cached)
 * and the update dependencies. Called once at module scope by each handler; nothing here reads
 * the environment except through the config the handler passes in.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError, numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { secretsManagerSource } from '../shared/provider-credentials';
import { TrackierClient, trackierCredentialsFromSecret } from './trackier-api';
import { signingMasterFromSecret, type SigningMasterSource } from './webhook-signature';
import { DEFAULT_WEBHOOK_LIMITS, type WebhookLimits } from './webhook-limits';
import { PairRepository } from './pair-repository';
import { SideEffectStore } from './side-effects';
import { DEFAULT_UPDATE_BACKOFF_MS, type UpdateDeps } from './update-campaign';
import { TRACKIER_ENV } from './env';

export interface TrackierRuntimeConfig {
  readonly secretId: string;
  readonly minCreateIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly updateBackoffMs: readonly number[];
  readonly webhookLogRetentionDays: number;
  readonly publicBaseUrl?: string;
}

export function readTrackierConfig(env: NodeJS.ProcessEnv = process.env): TrackierRuntimeConfig {
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

export function readWebhookGuardConfig(env: NodeJS.ProcessEnv = process.env): WebhookGuardConfig {
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

/** The master of the pairs' webhook signing keys: the Trackier secret's `webhookSigningKey`. */
export function signingMaster(config: Pick<TrackierRuntimeConfig, 'secretId'>): SigningMasterSource {
  return signingMasterFromSecret({ source: secretsManagerSource(new SecretsManagerClient({})), clock: Date.now }, { secretId: config.secretId });
}

export function trackierClient(config: TrackierRuntimeConfig): TrackierClient {
  const credentials = trackierCredentialsFromSecret(
    { source: secretsManagerSource(new SecretsManagerClient({})), clock: Date.now },
    { secretId: config.secretId },
  );
  return new TrackierClient({ credentials }, { minCreateIntervalMs: config.minCreateIntervalMs, requestTimeoutMs: config.requestTimeoutMs });
}

export function updateDeps(
  doc: DynamoDBDocumentClient,
  tables: { catalog: string; ops: string },
  config: TrackierRuntimeConfig,
  onFinalFailure?: UpdateDeps['onFinalFailure'],
): UpdateDeps {
  return {
    pairs: new PairRepository(doc, tables.catalog),
    api: trackierClient(config),
    sideEffects: new SideEffectStore(doc, tables.ops),
    clock: Date.now,
    backoffMs: config.updateBackoffMs,
    onFinalFailure,
  };
}
