/**
 * Wiring on the SDK's clients shared by the Trackier admin and update functions and the retry
 * schedule: the Trackier client (secret-backed credentials, cached) and the update dependencies.
 * Nothing here reads the environment except through the config the caller passes in (config.ts).
 * The webhook wires its own on the lean clients (webhook.handler.ts).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { secretsManagerSource } from '../shared/provider-credentials';
import { TrackierClient, trackierCredentialsFromSecret } from './trackier-api';
import { signingMasterFromSecret, type SigningMasterSource } from './webhook-signature';
import { PairRepository } from './pair-repository';
import { SideEffectStore } from './side-effects';
import type { UpdateDeps } from './update-campaign';
import type { TrackierRuntimeConfig } from './config';

// Where the pipeline's retry schedule (and older callers) find them.
export { readTrackierConfig, readWebhookGuardConfig, type TrackierRuntimeConfig, type WebhookGuardConfig } from './config';

/** The master of the pairs' webhook signing keys: the Trackier secret's `webhookSigningKey`. */
export function signingMaster(config: Pick<TrackierRuntimeConfig, 'secretId'>): SigningMasterSource {
  return signingMasterFromSecret({ source: secretsManagerSource(new SecretsManagerClient({})), clock: Date.now }, { secretId: config.secretId });
}

export function trackierClient(config: TrackierRuntimeConfig): TrackierClient {
  const credentials = trackierCredentialsFromSecret({ source: secretsManagerSource(new SecretsManagerClient({})), clock: Date.now }, { secretId: config.secretId });
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
