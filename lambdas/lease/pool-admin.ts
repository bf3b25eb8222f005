/**
 * Operator views of the pool: list, reset health, statistics for the monitor.
 *
 * These Scan the IpPool table (with pagination). That is deliberate: a pool holds thousands of
 * items at most, the calls are operator- or schedule-driven (not per trace), and a Scan sees every
 * state, including the unhealthy and disabled IPs the sparse `free` index leaves out.
 */
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IP_STATES, ipState, isExpiredLease, type IpItem, type IpState } from './ip-item';
import { mapLimit } from './ip-import';
import type { LeaseTables } from './lease-pool';
import { conditionalWrite } from '../shared/conditional-write';

export interface PoolAdminDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: LeaseTables;
  readonly clock: () => number;
}

export interface IpFilters {
  readonly country?: string;
  readonly state?: IpState;
  /** @default 1000 */
  readonly limit?: number;
}

/** What GET /admin/ips returns per IP: the item plus its state now. Never any credential. */
export interface IpView {
  readonly ipId: string;
  readonly host: string;
  readonly port: number;
  readonly provider: string;
  readonly country: string;
  readonly state: IpState;
  readonly enabled: boolean;
  readonly healthy: boolean;
  readonly availableAt?: number;
  readonly leaseOwner?: string;
  readonly fence: number;
  readonly lastUsedAt?: number;
  readonly lastOutcome?: string;
  readonly successCount: number;
  readonly failureCount: number;
  readonly otherFailureCount: number;
  readonly consecutiveFailures: number;
  /** The lease expired without a release (see isExpiredLease). */
  readonly expiredLease: boolean;
}

export type StateCounts = Record<IpState, number>;

export interface PoolStats {
  readonly at: number;
  readonly total: number;
  readonly byState: StateCounts;
  readonly byCountry: Record<string, StateCounts & { total: number }>;
  /** enabled and healthy. */
  readonly healthy: number;
  /** leased / healthy (0 when nothing is healthy). */
  readonly utilization: number;
  /**
   * Leases granted and never released whose expiry has passed (leaseOwner set, availableAt <= now):
   * traces that died or overran. Such IPs are already counted as `available`.
   */
  readonly expiredLeases: number;
}

export interface ResetHealthResult {
  readonly reset: number;
  /** Listed ids that do not exist. */
  readonly notFound: string[];
}

export interface PoolAdmin {
  listIps(filters?: IpFilters): Promise<IpView[]>;
  resetHealth(ids?: readonly string[]): Promise<ResetHealthResult>;
  poolStats(now?: number): Promise<PoolStats>;
}

const emptyCounts = (): StateCounts => Object.fromEntries(IP_STATES.map((s) => [s, 0])) as StateCounts;

function view(item: IpItem, now: number): IpView {
  return {
    ipId: item.ipId,
    host: item.host,
    port: item.port,
    provider: item.provider,
    country: item.country,
    state: ipState(item, now),
    enabled: item.enabled !== false,
    healthy: item.healthy !== false,
    ...(item.availableAt !== undefined ? { availableAt: item.availableAt } : {}),
    ...(item.leaseOwner !== undefined ? { leaseOwner: item.leaseOwner } : {}),
    fence: item.fence ?? 0,
    ...(item.lastUsedAt !== undefined ? { lastUsedAt: item.lastUsedAt } : {}),
    ...(item.lastOutcome !== undefined ? { lastOutcome: item.lastOutcome } : {}),
    successCount: item.successCount ?? 0,
    failureCount: item.failureCount ?? 0,
    otherFailureCount: item.otherFailureCount ?? 0,
    consecutiveFailures: item.consecutiveFailures ?? 0,
    expiredLease: isExpiredLease(item, now),
  };
}

export function createPoolAdmin(deps: PoolAdminDeps): PoolAdmin {
  const { doc, tables, clock } = deps;

  async function scanAll(): Promise<IpItem[]> {
    const items: IpItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new ScanCommand({ TableName: tables.ipPool, ExclusiveStartKey: startKey }));
      items.push(...((page.Items ?? []) as IpItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async function listIps(filters: IpFilters = {}): Promise<IpView[]> {
    const now = clock();
    const limit = filters.limit ?? 1000;
    const country = filters.country?.trim().toLowerCase();
    return (await scanAll())
      .map((item) => view(item, now))
      .filter((v) => (!country || v.country === country) && (!filters.state || v.state === filters.state))
      .sort((a, b) => a.country.localeCompare(b.country) || a.ipId.localeCompare(b.ipId))
      .slice(0, limit);
  }

  /**
   * healthy = true, consecutiveFailures = 0, and back in the index (availableAt = now) if it had
   * left it. A live lease or cooldown keeps its availableAt: resetting health must never hand an
   * IP to a second holder. Disabled IPs get their health back but stay out of the index.
   */
  async function resetOne(ipId: string, now: number): Promise<'reset' | 'missing'> {
    const attempt = async (ConditionExpression: string, UpdateExpression: string, values: Record<string, unknown>) => {
      const written = await conditionalWrite(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.ipPool,
            Key: { ipId },
            ConditionExpression,
            UpdateExpression,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return written.ok ? { ok: true as const } : { ok: false as const, exists: written.old !== undefined };
    };
    const base = 'SET healthy = :true, consecutiveFailures = :zero, updatedAt = :now REMOVE unhealthySince';
    const enabled = await attempt(
      'attribute_exists(ipId) AND enabled = :true',
      base.replace('updatedAt = :now', 'updatedAt = :now, availableAt = if_not_exists(availableAt, :now)'),
      { ':true': true, ':zero': 0, ':now': now },
    );
    if (enabled.ok) return 'reset';
    if (!enabled.exists) return 'missing';
    const disabled = await attempt('attribute_exists(ipId)', base, { ':true': true, ':zero': 0, ':now': now });
    return disabled.ok ? 'reset' : 'missing';
  }

  async function resetHealth(ids?: readonly string[]): Promise<ResetHealthResult> {
    const now = clock();
    // Without ids: every IP whose health record is not clean (unhealthy, or failures counted).
    const targets = ids ?? (await scanAll()).filter((i) => i.healthy === false || (i.consecutiveFailures ?? 0) > 0).map((i) => i.ipId);
    const unique = [...new Set(targets)];
    const outcomes = await mapLimit(unique, 16, (id) => resetOne(id, now));
    return {
      reset: outcomes.filter((o) => o === 'reset').length,
      notFound: unique.filter((_, i) => outcomes[i] === 'missing'),
    };
  }

  async function poolStats(at: number = clock()): Promise<PoolStats> {
    const byState = emptyCounts();
    const byCountry: Record<string, StateCounts & { total: number }> = {};
    let expiredLeases = 0;
    const items = await scanAll();
    for (const item of items) {
      const state = ipState(item, at);
      byState[state]++;
      const c = (byCountry[item.country] ??= { ...emptyCounts(), total: 0 });
      c[state]++;
      c.total++;
      if (isExpiredLease(item, at) && item.enabled !== false) expiredLeases++;
    }
    const healthy = byState.available + byState.leased + byState.cooldown;
    return {
      at,
      total: items.length,
      byState,
      byCountry,
      healthy,
      utilization: healthy ? byState.leased / healthy : 0,
      expiredLeases,
    };
  }

  return { listIps, resetHealth, poolStats };
}
