/**
 * The pipeline functions' configuration and collaborators, built once per execution environment
 * from the environment the CDK (or the local stack) sets, each only when a handler first asks.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { booleanEnv, numberEnv, requireEnv } from '../shared/config';
import { dynamo } from '../shared/aws-clients';
import { ENV, tableEnv } from '../../lib/manifest/env';
import { createLeasePool, type LeasePool } from '../lease/lease-pool';
import { createProviderCredentials, secretsManagerSource, type ProviderCredentialsResolver } from '../lease/provider-credentials';
import { TraceRepository } from '../traces/trace-repository';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { CachedOfferStore } from '../offers/offer-cache';
import { CatalogModeMemory } from './catalog-mode-memory';
import { DEFAULT_BACKOFF_MS } from './retry-policy';

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

export const pipelineConfig = once(() => {
  const backoff = process.env[ENV.retryBackoffMs];
  return {
    /** Lease length: TraceHttp + TraceBrowser + StoreResult task timeouts, plus a margin. */
    leaseMs: numberEnv(ENV.leaseMs, 150_000),
    cooldownMs: numberEnv(ENV.leaseCooldownMs, 60_000),
    unhealthyAfter: numberEnv(ENV.unhealthyAfter, 3),
    backoffMs: backoff ? backoff.split(',').map((v) => Number(v.trim())) : DEFAULT_BACKOFF_MS,
    runningDeadlineMs: numberEnv(ENV.runningDeadlineMs, 15 * 60_000),
    httpDeadlineMs: numberEnv(ENV.httpDeadlineMs, 25_000),
    browserDeadlineMs: numberEnv(ENV.browserDeadlineMs, 55_000),
    traceTtlDays: numberEnv(ENV.traceTtlDays, 7),
    /** Only the local stack and tests set this: their proxies and offers live on 127.0.0.1. */
    allowPrivate: booleanEnv(ENV.allowPrivateTargets),
  };
});

export const tables = once(() => ({
  catalog: requireEnv(tableEnv('Catalog')),
  ipPool: requireEnv(tableEnv('IpPool')),
  traces: requireEnv(tableEnv('Traces')),
  ops: requireEnv(tableEnv('Ops')),
}));

export const leasePool = once((): LeasePool => {
  const cfg = pipelineConfig();
  return createLeasePool(
    { doc: dynamo(), tables: { ipPool: tables().ipPool, ops: tables().ops }, clock: Date.now },
    { leaseMs: cfg.leaseMs, cooldownMs: cfg.cooldownMs, unhealthyAfter: cfg.unhealthyAfter },
  );
});

export const traceRepository = once(
  () => new TraceRepository({ doc: dynamo(), tableName: tables().traces, ttlDays: pipelineConfig().traceTtlDays }),
);

export const offers = once(() => new CachedOfferStore(new DynamoOfferRepository(dynamo(), tables().catalog), { ttlMs: 30_000 }));

export const modeMemory = once(() => new CatalogModeMemory(dynamo(), tables().catalog, offers()));

export const providerCredentials = once(
  (): ProviderCredentialsResolver =>
    createProviderCredentials(
      { source: secretsManagerSource(new SecretsManagerClient({})), clock: Date.now },
      { prefix: requireEnv(ENV.providerSecretPrefix) },
    ),
);

export const stepFunctions = once(() => ({ client: new SFNClient({}), stateMachineArn: requireEnv(ENV.stateMachineArn) }));

/** Everything the task use cases (tasks.ts) need. */
export const taskDeps = once(() => ({
  clock: Date.now,
  traces: traceRepository(),
  pool: leasePool(),
  offers: offers(),
  credentials: providerCredentials(),
  modeMemory: modeMemory(),
  config: pipelineConfig(),
}));
