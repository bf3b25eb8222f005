/**
 * The configuration of each trace-pipeline function, read from its environment once per cold
 * start (the handler modules' `handler`) or built directly by tests. A function only has the
 * variables of the tables and queues its manifest entry grants (bindTable, bindQueue), so each
 * reader requires exactly those: a reader reaching for another function's table would fail every
 * invocation in AWS (test/unit/pipeline/task-deps.test.ts checks each against its grants).
 * Tunables are optional, with the defaults documented here; a malformed one throws (ConfigError).
 */
import { booleanEnv, numberEnv, optionalEnv, positiveIntListEnv, requireEnv } from '../shared/config';
import { ENV, ENV_DEFAULTS, queueUrlEnv, tableEnv } from '../../contracts/manifest/env';
import { DEFAULT_PATIENCE_MS } from '../lease/lease-waiters';
import { LEASE_DEFAULTS } from '../lease/lease-config';
import { DEFAULT_BACKOFF_MS } from './retry-policy';

type Env = NodeJS.ProcessEnv;

/** The lease pool's and lease-waiter queue's settings (the functions answering task tokens). */
export interface LeaseSettings {
  /** Lease length: TraceHttp + TraceBrowser + StoreResult task timeouts, plus a margin. */
  readonly leaseMs: number;
  readonly cooldownMs: number;
  readonly unhealthyAfter: number;
  /** How long a trace waits for an IP before it ends as one with none (retried later). */
  readonly leasePatienceMs: number;
}

function readLeaseSettings(env: Env): LeaseSettings {
  return {
    leaseMs: numberEnv(ENV.leaseMs, LEASE_DEFAULTS.leaseMs, env),
    cooldownMs: numberEnv(ENV.leaseCooldownMs, LEASE_DEFAULTS.cooldownMs, env),
    unhealthyAfter: numberEnv(ENV.unhealthyAfter, LEASE_DEFAULTS.unhealthyAfter, env),
    leasePatienceMs: numberEnv(ENV.leasePatienceMs, DEFAULT_PATIENCE_MS, env),
  };
}

const traceTtlDays = (env: Env): number => numberEnv(ENV.traceTtlDays, ENV_DEFAULTS.traceTtlDays, env);

/** Delays before attempts 2, 3, …: validated here, so a typo fails the cold start, not a retry. */
const backoffMs = (env: Env): readonly number[] => positiveIntListEnv(ENV.retryBackoffMs, DEFAULT_BACKOFF_MS, env);

/** TraceStarter: SQS trace requests become executions. */
export interface StarterConfig {
  readonly tracesTable: string;
  /** Click ids seen, the offers' trace budgets and skip counts. */
  readonly opsTable: string;
  readonly traceTtlDays: number;
  readonly stateMachineArn: string;
  /** Where the country database ships next to the bundle; node_modules when absent. */
  readonly geoDbDir?: string;
}

export function readStarterConfig(env: Env = process.env): StarterConfig {
  return {
    tracesTable: requireEnv(tableEnv('Traces'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    traceTtlDays: traceTtlDays(env),
    stateMachineArn: requireEnv(ENV.stateMachineArn, env),
    geoDbDir: optionalEnv(ENV.geoDbDir, env),
  };
}

/** AcquireLease: the trace, the pool, the offer (cached as the click caches it), the tracer memory. */
export interface AcquireLeaseConfig {
  readonly tables: { readonly traces: string; readonly ipPool: string; readonly ops: string; readonly catalog: string; readonly tracerMemory: string };
  readonly traceTtlDays: number;
  readonly lease: LeaseSettings;
  readonly offerCacheTtlMs: number;
}

export function readAcquireLeaseConfig(env: Env = process.env): AcquireLeaseConfig {
  return {
    tables: {
      traces: requireEnv(tableEnv('Traces'), env),
      ipPool: requireEnv(tableEnv('IpPool'), env),
      ops: requireEnv(tableEnv('Ops'), env),
      catalog: requireEnv(tableEnv('Catalog'), env),
      tracerMemory: requireEnv(tableEnv('TracerMemory'), env),
    },
    traceTtlDays: traceTtlDays(env),
    lease: readLeaseSettings(env),
    offerCacheTtlMs: numberEnv(ENV.offerCacheTtlMs, ENV_DEFAULTS.offerCacheTtlMs, env),
  };
}

/** TraceHttp and TraceBrowser: no table at all, only the proxy credentials secrets. */
export interface TraceTaskConfig {
  readonly providerSecretPrefix: string;
  /** Only the local stack and tests set this: their proxies and offers live on 127.0.0.1. */
  readonly allowPrivate: boolean;
  readonly httpDeadlineMs: number;
  readonly browserDeadlineMs: number;
}

export function readTraceTaskConfig(env: Env = process.env): TraceTaskConfig {
  return {
    providerSecretPrefix: requireEnv(ENV.providerSecretPrefix, env),
    allowPrivate: booleanEnv(ENV.allowPrivateTargets, env),
    httpDeadlineMs: numberEnv(ENV.httpDeadlineMs, 25_000, env),
    browserDeadlineMs: numberEnv(ENV.browserDeadlineMs, 55_000, env),
  };
}

/** StoreResult: the result under the lease fence, what resolved the offer, and its resolution history (Ops). */
export interface StoreResultConfig {
  readonly tables: { readonly traces: string; readonly tracerMemory: string; readonly ops: string };
  readonly traceTtlDays: number;
  readonly backoffMs: readonly number[];
}

export function readStoreResultConfig(env: Env = process.env): StoreResultConfig {
  return {
    tables: { traces: requireEnv(tableEnv('Traces'), env), tracerMemory: requireEnv(tableEnv('TracerMemory'), env), ops: requireEnv(tableEnv('Ops'), env) },
    traceTtlDays: traceTtlDays(env),
    backoffMs: backoffMs(env),
  };
}

/** ReleaseLease: the IP back to the pool, then to the longest-waiting trace. */
export interface ReleaseLeaseConfig {
  readonly tables: { readonly traces: string; readonly ipPool: string; readonly ops: string };
  readonly traceTtlDays: number;
  readonly lease: LeaseSettings;
}

export function readReleaseLeaseConfig(env: Env = process.env): ReleaseLeaseConfig {
  return {
    tables: { traces: requireEnv(tableEnv('Traces'), env), ipPool: requireEnv(tableEnv('IpPool'), env), ops: requireEnv(tableEnv('Ops'), env) },
    traceTtlDays: traceTtlDays(env),
    lease: readLeaseSettings(env),
  };
}

/** RecordFailure: retry with backoff or dead letter. */
export interface RecordFailureConfig {
  readonly tracesTable: string;
  readonly traceTtlDays: number;
  readonly backoffMs: readonly number[];
}

export function readRecordFailureConfig(env: Env = process.env): RecordFailureConfig {
  return { tracesTable: requireEnv(tableEnv('Traces'), env), traceTtlDays: traceTtlDays(env), backoffMs: backoffMs(env) };
}

/** Maintenance (every minute): stuck traces, lease waiters, the pool snapshot. */
export interface MaintenanceConfig {
  readonly tables: { readonly traces: string; readonly ipPool: string; readonly ops: string };
  readonly traceTtlDays: number;
  readonly lease: LeaseSettings;
  /** Above the execution's own timeout (patience + the trace's 13 minutes), so only ended executions are swept. */
  readonly runningDeadlineMs: number;
  readonly backoffMs: readonly number[];
}

export function readMaintenanceConfig(env: Env = process.env): MaintenanceConfig {
  return {
    tables: { traces: requireEnv(tableEnv('Traces'), env), ipPool: requireEnv(tableEnv('IpPool'), env), ops: requireEnv(tableEnv('Ops'), env) },
    traceTtlDays: traceTtlDays(env),
    lease: readLeaseSettings(env),
    runningDeadlineMs: numberEnv(ENV.runningDeadlineMs, DEFAULT_PATIENCE_MS + 15 * 60_000, env),
    backoffMs: backoffMs(env),
  };
}

/**
 * RetrySchedule (every 5 minutes): due retries, parked clicks. The Trackier updates it retries
 * are configured by Trackier's own reader (retry.handler.ts composes the two).
 */
export interface RetryScheduleConfig {
  readonly tables: { readonly traces: string; readonly ops: string; readonly catalog: string };
  readonly traceTtlDays: number;
  readonly traceQueueUrl: string;
}

export function readRetryScheduleConfig(env: Env = process.env): RetryScheduleConfig {
  return {
    tables: { traces: requireEnv(tableEnv('Traces'), env), ops: requireEnv(tableEnv('Ops'), env), catalog: requireEnv(tableEnv('Catalog'), env) },
    traceTtlDays: traceTtlDays(env),
    traceQueueUrl: requireEnv(queueUrlEnv('TraceRequests'), env),
  };
}
