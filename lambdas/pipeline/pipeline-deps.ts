/**
 * The pipeline functions' configuration and collaborators, built once per execution environment
 * from the environment the CDK (or the local stack) sets, each only when a handler first asks.
 * A function only has the variables of the tables its manifest entry grants, so each task builds
 * exactly its own collaborators and a table name is read only when something uses that table.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { booleanEnv, numberEnv, requireEnv } from '../shared/config';
import { dynamo } from '../shared/aws-clients';
import { ENV, tableEnv } from '../../contracts/manifest/env';
import type { TableId } from '../../contracts/manifest/tables';
import { createLeasePool, type LeasePool } from '../lease/lease-pool';
import { createLeaseWaiters, DEFAULT_PATIENCE_MS, type LeaseWaiters } from '../lease/lease-waiters';
import { stepFunctionsTaskTokens } from './task-tokens';
import { createProviderCredentials, secretsManagerSource, type ProviderCredentialsResolver } from '../shared/provider-credentials';
import { TraceRepository } from '../traces/trace-repository';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { CachedOfferStore } from '../offers/offer-cache';
import { DynamoTracerMemory } from './tracer-memory';
import { DEFAULT_BACKOFF_MS } from './retry-policy';
import { grantToWaiter, type TaskDeps } from './tasks';
import type { TraceTaskDeps } from './trace-tasks';

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
    /** How long a trace waits for an IP before it ends as one with none (retried later). */
    leasePatienceMs: numberEnv(ENV.leasePatienceMs, DEFAULT_PATIENCE_MS),
    /** Above the execution's own timeout (patience + the trace's 13 minutes), so only ended executions are swept. */
    runningDeadlineMs: numberEnv(ENV.runningDeadlineMs, DEFAULT_PATIENCE_MS + 15 * 60_000),
    httpDeadlineMs: numberEnv(ENV.httpDeadlineMs, 25_000),
    browserDeadlineMs: numberEnv(ENV.browserDeadlineMs, 55_000),
    traceTtlDays: numberEnv(ENV.traceTtlDays, 7),
    /** Only the local stack and tests set this: their proxies and offers live on 127.0.0.1. */
    allowPrivate: booleanEnv(ENV.allowPrivateTargets),
  };
});

const tableName = (id: TableId): string => requireEnv(tableEnv(id));

/** Table names, each read (and required) when first used. */
export const tables = once(() => ({
  get catalog() {
    return tableName('Catalog');
  },
  get ipPool() {
    return tableName('IpPool');
  },
  get traces() {
    return tableName('Traces');
  },
  get ops() {
    return tableName('Ops');
  },
  get tracerMemory() {
    return tableName('TracerMemory');
  },
}));

export const leasePool = once((): LeasePool => {
  const cfg = pipelineConfig();
  return createLeasePool(
    // Ops (lease pointers, the country list) is read by acquire only: ReleaseLease holds no grant on it.
    {
      doc: dynamo(),
      tables: {
        ipPool: tables().ipPool,
        get ops() {
          return tables().ops;
        },
      },
      clock: Date.now,
    },
    { leaseMs: cfg.leaseMs, cooldownMs: cfg.cooldownMs, unhealthyAfter: cfg.unhealthyAfter },
  );
});

export const traceRepository = once(
  () => new TraceRepository({ doc: dynamo(), tableName: tables().traces, ttlDays: pipelineConfig().traceTtlDays }),
);

export const offers = once(() => new CachedOfferStore(new DynamoOfferRepository(dynamo(), tables().catalog), { ttlMs: 30_000 }));

export const tracerMemory = once(() => new DynamoTracerMemory(dynamo(), tables().tracerMemory));

export const providerCredentials = once(
  (): ProviderCredentialsResolver =>
    createProviderCredentials(
      { source: secretsManagerSource(new SecretsManagerClient({})), clock: Date.now },
      { prefix: requireEnv(ENV.providerSecretPrefix) },
    ),
);

export const stepFunctions = once(() => ({ client: new SFNClient({}), stateMachineArn: requireEnv(ENV.stateMachineArn) }));

/** Task tokens name no state machine: answering one needs no ARN, only the grant. */
const taskTokens = once(() => stepFunctionsTaskTokens(new SFNClient({})));

/** The lease-waiter queue (Ops), with the hand-off that records the lease on the trace. */
export const leaseWaiters = once(
  (): LeaseWaiters =>
    createLeaseWaiters({
      doc: dynamo(),
      table: tables().ops,
      clock: Date.now,
      pool: leasePool(),
      tokens: taskTokens(),
      grant: grantToWaiter({ traces: traceRepository() }),
      patienceMs: pipelineConfig().leasePatienceMs,
    }),
);

// Each task's collaborators: what its use case picks, and nothing its function is not granted.
type Deps<K extends keyof TaskDeps> = Pick<TaskDeps, K>;

export const acquireLeaseDeps = once(
  (): Deps<'clock' | 'traces' | 'pool' | 'offers' | 'memory' | 'waiters' | 'tokens'> => ({
    clock: Date.now,
    traces: traceRepository(),
    pool: leasePool(),
    offers: offers(),
    memory: tracerMemory(),
    waiters: leaseWaiters(),
    tokens: taskTokens(),
  }),
);

/** TraceHttp and TraceBrowser: the proxy credentials and their deadlines; no table. */
export const traceTaskDeps = once((): TraceTaskDeps => ({ credentials: providerCredentials(), config: pipelineConfig() }));

export const storeResultDeps = once(
  (): Deps<'clock' | 'traces' | 'memory' | 'config'> => ({
    clock: Date.now,
    traces: traceRepository(),
    memory: tracerMemory(),
    config: pipelineConfig(),
  }),
);

export const releaseLeaseDeps = once(
  (): Deps<'clock' | 'traces' | 'pool' | 'waiters'> => ({ clock: Date.now, traces: traceRepository(), pool: leasePool(), waiters: leaseWaiters() }),
);

export const recordFailureDeps = once((): Deps<'clock' | 'traces' | 'config'> => ({ clock: Date.now, traces: traceRepository(), config: pipelineConfig() }));
