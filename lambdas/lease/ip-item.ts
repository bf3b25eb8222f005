/**
 * The IpPool item (one per proxy endpoint) and how its state is read. `availableAt` is the one number that drives
 * the lease: while leased it is the lease expiry, after a release the end of the cooldown; it is
 * absent while the IP is unhealthy or disabled, which keeps the `free` index sparse.
 */
export const RELEASE_OUTCOMES = ['success', 'proxy_failure', 'offer_failure', 'network_failure'] as const;
export type ReleaseOutcome = (typeof RELEASE_OUTCOMES)[number];

export interface IpItem {
  readonly ipId: string;
  readonly host: string;
  readonly port: number;
  readonly provider: string;
  readonly country: string;
  /** Operator switch (import field). A disabled IP is never leased and leaves the index. */
  readonly enabled: boolean;
  readonly healthy: boolean;
  readonly availableAt?: number;
  /** traceId of the current, unreleased lease. Removed on release (kept if the lease just expires). */
  readonly leaseOwner?: string;
  /** Id of the latest lease granted; kept after release so a late second release is recognised. */
  readonly leaseId?: string;
  /** Per-IP counter that only goes up: +1 on every lease granted. */
  readonly fence: number;
  readonly lastUsedAt?: number;
  readonly lastReleasedAt?: number;
  /** The lease the last release ended: a retried release still knows it was released after the IP went on to a waiter. */
  readonly lastReleasedLeaseId?: string;
  readonly lastOutcome?: ReleaseOutcome;
  readonly successCount: number;
  /** Proxy failures only: the ones that count against the IP. */
  readonly failureCount: number;
  /** Offer and network failures: recorded, never held against the IP. */
  readonly otherFailureCount: number;
  readonly consecutiveFailures: number;
  readonly unhealthySince?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * - `disabled`: enabled = false (whatever else holds).
 * - `unhealthy`: healthy = false.
 * - `leased`: an unreleased lease that has not expired (leaseOwner set, availableAt > now).
 * - `cooldown`: released, availableAt (end of cooldown) > now.
 * - `available`: availableAt <= now. This includes expired leases, which are acquirable as they are.
 */
export const IP_STATES = ['available', 'leased', 'cooldown', 'unhealthy', 'disabled'] as const;
export type IpState = (typeof IP_STATES)[number];

export function ipState(item: Pick<IpItem, 'enabled' | 'healthy' | 'availableAt' | 'leaseOwner'>, now: number): IpState {
  if (item.enabled === false) return 'disabled';
  if (item.healthy === false || item.availableAt === undefined) return 'unhealthy';
  if (item.availableAt > now) return item.leaseOwner !== undefined ? 'leased' : 'cooldown';
  return 'available';
}

/**
 * An expired lease: granted (leaseOwner set), never released, and past its expiry. The IP is
 * already acquirable again (it counts as `available`); no job cleans it up. Maintenance reports
 * these because each one is a trace that died or overran without releasing.
 */
export function isExpiredLease(item: Pick<IpItem, 'enabled' | 'healthy' | 'availableAt' | 'leaseOwner'>, now: number): boolean {
  return item.leaseOwner !== undefined && item.availableAt !== undefined && item.availableAt <= now && item.healthy !== false;
}

/** Ops-table keys used by the lease capability. */
export const OPS_KEYS = {
  /** Which countries the pool has ever held (a string set, grown by imports). */
  countries: { pk: 'pool', sk: 'countries' },
  /** traceId → the lease it holds, so a retried acquire finds and returns the same lease. */
  leaseOf: (traceId: string) => ({ pk: `lease#${traceId}`, sk: 'lease' }),
  /** A counter per country that spreads concurrent acquires over different free IPs. */
  ticketOf: (country: string) => ({ pk: `tickets#${country}`, sk: 'acquire' }),
} as const;
