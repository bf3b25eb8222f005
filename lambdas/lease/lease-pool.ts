/**
 * The lease: lock an IP with one conditional write, trace, release with a cooldown.
 *
 * Correctness rests on conditional UpdateItems on the base item only — the `free` index is just a
 * way to find candidates and may be stale (GSIs are eventually consistent). No TransactWriteItems,
 * no cleanup job: an expired lease is simply `availableAt <= now` again.
 *
 * The acquire path is lease-acquire.ts, the release path lease-release.ts, the settings lease-config.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReleaseOutcome } from './ip-item';
import { resolveLeaseConfig, type LeasePoolConfig } from './lease-config';
import { acquirePath } from './lease-acquire';
import { releasePath } from './lease-release';
import { namedLeasePath, type NamedLease } from './lease-named';

export { FREE_INDEX } from './lease-acquire';
export { resolveLeaseConfig, type LeasePoolConfig } from './lease-config';
export type { NamedLease } from './lease-named';

export interface LeaseTables {
  readonly ipPool: string;
  /** Holds the traceId → lease pointers (TTL'd) and the country registry. */
  readonly ops: string;
}

export interface LeasePoolDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: LeaseTables;
  /** Epoch ms. Every time comparison uses this clock, so tests can drive time. */
  readonly clock: () => number;
  /** [0, 1). Injected so tests can make the candidate pick deterministic. */
  readonly random?: () => number;
}

export interface AcquireOptions {
  /** The offer allows any country when its own has no free IP. */
  readonly anyCountry?: boolean;
  /**
   * With no IP free now, reserve the one of the wanted country whose cooldown ends first: the
   * lease starts when the cooldown ends (`startsAt`), and the caller waits until then. A backlog
   * then queues on IPs instead of polling for them.
   */
  readonly reserve?: boolean;
}

export interface Lease {
  readonly ipId: string;
  readonly host: string;
  readonly port: number;
  readonly provider: string;
  readonly country: string;
  readonly traceId: string;
  readonly leaseId: string;
  /** Strictly increasing per IP; pass it downstream so a stale holder's writes can be refused. */
  readonly fence: number;
  /** Epoch ms: after this the IP may be leased to someone else. */
  readonly expiresAt: number;
  /**
   * Epoch ms: when the trace may start using the IP — the end of the cooldown the lease was
   * reserved in, or the grant itself for an IP that was free.
   */
  readonly startsAt: number;
}

/** A lease and whether this call granted it (`reused`: the trace already held it, e.g. a retried acquire). */
export interface Grant {
  readonly lease: Lease;
  readonly reused: boolean;
}

export type ReleaseResult =
  | { readonly released: true; readonly markedUnhealthy: boolean }
  /**
   * Nothing was changed. `lease_lost`: the lease expired and the IP was leased again (emit a
   * metric). `already_released`: this lease was released before (a retried release step).
   */
  | { readonly released: false; readonly reason: 'lease_lost' | 'already_released' };

export interface LeasePool {
  acquire(country: string, traceId: string, opts?: AcquireOptions): Promise<Lease>;
  /** acquire, saying whether this call granted the lease or the trace already held it. */
  grant(country: string, traceId: string, opts?: AcquireOptions): Promise<Grant>;
  /**
   * Reserves the IP a release just put into cooldown for a trace (the one that has waited
   * longest); the lease starts when the cooldown ends. Undefined when the IP is no longer as that
   * release left it (another trace has it, it was disabled or marked unhealthy).
   */
  reserveIp(ip: ReleasedIp, traceId: string): Promise<Grant | undefined>;
  /** Gives an unused lease back as if it had never been granted (no cooldown, no counters). */
  giveBack(lease: Pick<Lease, 'ipId' | 'leaseId' | 'startsAt'>): Promise<void>;
  release(lease: Pick<Lease, 'ipId' | 'leaseId'>, outcome: ReleaseOutcome): Promise<ReleaseResult>;
  /** Leases one named IP if it is available now, whatever its country (an operator's probe, not a trace). */
  leaseIp(ipId: string, owner: string): Promise<NamedLease>;
}

/** An IP as a release left it: the lease that was released, and the IP's country. */
export interface ReleasedIp {
  readonly ipId: string;
  readonly country: string;
  /** The released lease: the IP is untouched since while its leaseId is still this one, unowned. */
  readonly leaseId: string;
}

export function createLeasePool(deps: LeasePoolDeps, config: LeasePoolConfig): LeasePool {
  const cfg = resolveLeaseConfig(config);
  return { ...acquirePath(deps, cfg), ...namedLeasePath(deps, cfg), release: releasePath(deps, cfg) };
}
