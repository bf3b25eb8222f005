/**
 * The lease: lock an IP with one conditional write, trace, release with a cooldown.
 *
 * Correctness rests on conditional UpdateItems on the base item only — the `free` index is just a
 * way to find candidates and may be stale (GSIs are eventually consistent). No TransactWriteItems,
 * no cleanup job: an expired lease is simply `availableAt <= now` again.
 */
import { v7 as uuidv7 } from 'uuid';
import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { LeaseConfigError, NoIpAvailable } from './errors';
import { OPS_KEYS, RELEASE_OUTCOMES, type IpItem, type ReleaseOutcome } from './ip-item';
import { isConditionFailure } from '../shared/dynamo-errors';

export const FREE_INDEX = 'free';

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

export interface LeasePoolConfig {
  /** Lease length: trace timeout + margin. Required: there is no sensible universal default. */
  readonly leaseMs: number;
  /** @default 60000 */
  readonly cooldownMs?: number;
  /** Consecutive proxy failures that mark an IP unhealthy. @default 3 */
  readonly unhealthyAfter?: number;
  /** How many of the longest-free IPs to pick among at random. @default 10 */
  readonly candidates?: number;
  /** How long the country list used by the any-country fallback is cached. @default 60000 */
  readonly countryListTtlMs?: number;
}

export interface AcquireOptions {
  /** The offer allows any country when its own has no free IP. */
  readonly anyCountry?: boolean;
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
  release(lease: Pick<Lease, 'ipId' | 'leaseId'>, outcome: ReleaseOutcome): Promise<ReleaseResult>;
}

/** Pages of candidates to try before giving up: progress under contention without unbounded work. */
const MAX_PAGES = 3;
/** Lease pointers outlive the lease by this much so a late retry still finds (and rejects) them. */
const POINTER_GRACE_MS = 60 * 60 * 1000;

interface Pointer {
  readonly ipId: string;
  readonly leaseId: string;
  readonly leaseExpiresAt: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number | undefined, min = 1): number {
  const v = value ?? fallback;
  if (v === undefined || !Number.isInteger(v) || v < min) {
    throw new LeaseConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return v;
}

export function resolveLeaseConfig(config: LeasePoolConfig): Required<LeasePoolConfig> {
  return {
    leaseMs: positiveInt('leaseMs', config.leaseMs, undefined),
    cooldownMs: positiveInt('cooldownMs', config.cooldownMs, 60_000, 0),
    unhealthyAfter: positiveInt('unhealthyAfter', config.unhealthyAfter, 3),
    candidates: positiveInt('candidates', config.candidates, 10),
    countryListTtlMs: positiveInt('countryListTtlMs', config.countryListTtlMs, 60_000, 0),
  };
}

/** Plain value of one AttributeValue (the IpPool item uses S, N, BOOL; the rest for completeness). */
function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL) return null;
  if (value.SS) return new Set(value.SS);
  if (value.NS) return new Set(value.NS.map(Number));
  if (value.L) return value.L.map(plain);
  if (value.M) return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plain(v)]));
  return undefined;
}

/**
 * The item as it was when a condition failed (ReturnValuesOnConditionCheckFailure: ALL_OLD) —
 * saves a read. lib-dynamodb does not unmarshall error payloads, so it arrives as AttributeValues.
 */
function oldItem(error: ConditionalCheckFailedException): Partial<IpItem> | undefined {
  if (!error.Item) return undefined;
  return Object.fromEntries(Object.entries(error.Item).map(([k, v]) => [k, plain(v)])) as Partial<IpItem>;
}

function toLease(item: Partial<IpItem>, traceId: string): Lease {
  const { ipId, host, port, provider, country, leaseId, fence, availableAt } = item;
  if (
    ipId === undefined || host === undefined || port === undefined || provider === undefined ||
    country === undefined || leaseId === undefined || fence === undefined || availableAt === undefined
  ) {
    throw new Error(`IpPool item ${ipId ?? '?'} is missing lease attributes`);
  }
  return { ipId, host, port, provider, country, traceId, leaseId, fence, expiresAt: availableAt };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function createLeasePool(deps: LeasePoolDeps, config: LeasePoolConfig): LeasePool {
  const cfg = resolveLeaseConfig(config);
  const { doc, tables, clock } = deps;
  const random = deps.random ?? Math.random;
  let countryCache: { countries: string[]; until: number } | undefined;

  /** The pointer of a trace's lease, if any (Ops table). */
  async function readPointer(traceId: string): Promise<Pointer | undefined> {
    const got = await doc.send(new GetCommand({ TableName: tables.ops, Key: OPS_KEYS.leaseOf(traceId), ConsistentRead: true }));
    return got.Item as Pointer | undefined;
  }

  /** The live lease a pointer names: granted to this trace, unreleased, unexpired. */
  async function liveLease(pointer: Pointer | undefined, traceId: string, now: number): Promise<Lease | undefined> {
    if (!pointer?.ipId || !pointer.leaseId || pointer.leaseExpiresAt <= now) return undefined;
    const got = await doc.send(new GetCommand({ TableName: tables.ipPool, Key: { ipId: pointer.ipId }, ConsistentRead: true }));
    const item = got.Item as Partial<IpItem> | undefined;
    const live = item?.leaseOwner === traceId && item.leaseId === pointer.leaseId && (item.availableAt ?? 0) > now;
    return live && item ? toLease(item, traceId) : undefined;
  }

  async function tryLease(ipId: string, country: string, traceId: string, now: number): Promise<Lease | undefined> {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: tables.ipPool,
          Key: { ipId },
          ConditionExpression:
            'availableAt <= :now AND healthy = :true AND enabled = :true AND country = :country',
          UpdateExpression:
            'SET availableAt = :expires, leaseOwner = :traceId, leaseId = :leaseId, lastUsedAt = :now ADD fence :one',
          ExpressionAttributeValues: {
            ':now': now,
            ':true': true,
            ':country': country,
            ':expires': now + cfg.leaseMs,
            ':traceId': traceId,
            ':leaseId': uuidv7(),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return toLease(out.Attributes as Partial<IpItem>, traceId);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Someone else won this IP — unless it is our own live lease (a retry racing itself).
      const old = oldItem(error);
      if (old?.leaseOwner === traceId && (old.availableAt ?? 0) > now) return toLease(old, traceId);
      return undefined;
    }
  }

  async function acquireIn(country: string, traceId: string, now: number): Promise<Lease | undefined> {
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await doc.send(
        new QueryCommand({
          TableName: tables.ipPool,
          IndexName: FREE_INDEX,
          KeyConditionExpression: 'country = :country AND availableAt <= :now',
          ExpressionAttributeValues: { ':country': country, ':now': now },
          ScanIndexForward: true, // longest-free first
          Limit: cfg.candidates,
          ExclusiveStartKey: startKey,
        }),
      );
      const ids = shuffle((res.Items ?? []).map((i) => String(i.ipId)), random);
      for (const ipId of ids) {
        const lease = await tryLease(ipId, country, traceId, now);
        if (lease) return lease;
      }
      startKey = res.LastEvaluatedKey;
      if (!startKey) return undefined;
    }
    return undefined;
  }

  async function knownCountries(now: number): Promise<string[]> {
    if (countryCache && countryCache.until > now) return countryCache.countries;
    const got = await doc.send(new GetCommand({ TableName: tables.ops, Key: OPS_KEYS.countries }));
    const set = got.Item?.countries as Set<string> | undefined;
    const countries = set ? [...set].sort() : [];
    countryCache = { countries, until: now + cfg.countryListTtlMs };
    return countries;
  }

  /** Hands a just-granted lease straight back (as if never taken: no cooldown, no counters). */
  async function abandon(lease: Lease, now: number): Promise<void> {
    await doc
      .send(
        new UpdateCommand({
          TableName: tables.ipPool,
          Key: { ipId: lease.ipId },
          ConditionExpression: 'leaseId = :leaseId AND attribute_exists(leaseOwner)',
          UpdateExpression: 'SET availableAt = :now REMOVE leaseOwner',
          ExpressionAttributeValues: { ':leaseId': lease.leaseId, ':now': now },
        }),
      )
      .catch(() => undefined); // best effort: an unreturned lease simply expires
  }

  /**
   * Records traceId → lease, unless the trace already holds a live lease (a retried or duplicated
   * acquire that got here first): then our new lease goes back and the existing one is returned.
   * The pointer is written after the grant (no transactions); a crash in between costs one lease
   * period of that IP, never a double lease.
   */
  async function settle(lease: Lease, now: number): Promise<Lease> {
    const item = {
      ...OPS_KEYS.leaseOf(lease.traceId),
      ipId: lease.ipId,
      leaseId: lease.leaseId,
      leaseExpiresAt: lease.expiresAt,
      expiresAt: Math.ceil((lease.expiresAt + POINTER_GRACE_MS) / 1000), // TTL, epoch seconds
    };
    try {
      // Usually there is no pointer (or a dead one): one write, no read.
      let condition = 'attribute_not_exists(pk) OR leaseExpiresAt <= :now';
      let values: Record<string, unknown> = { ':now': now };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await doc.send(
            new PutCommand({
              TableName: tables.ops,
              Item: item,
              ConditionExpression: condition,
              ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            }),
          );
          return lease;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
        const pointer = await readPointer(lease.traceId);
        const existing = await liveLease(pointer, lease.traceId, now);
        if (existing && existing.leaseId !== lease.leaseId) {
          await abandon(lease, now);
          return existing;
        }
        // A pointer to a released lease: replace exactly that one (a concurrent winner would differ).
        condition = pointer ? 'leaseId = :old' : 'attribute_not_exists(pk)';
        values = pointer ? { ':old': pointer.leaseId } : {};
      }
      throw new Error(`lease pointer for trace ${lease.traceId} kept changing`);
    } catch (error) {
      await abandon(lease, now);
      throw error;
    }
  }

  async function acquire(country: string, traceId: string, opts: AcquireOptions = {}): Promise<Lease> {
    const wanted = country.trim().toLowerCase();
    if (!wanted) throw new LeaseConfigError('acquire: country is required');
    if (!traceId) throw new LeaseConfigError('acquire: traceId is required');
    const now = clock();

    const searched = [wanted];
    let lease = await acquireIn(wanted, traceId, now);
    if (!lease && opts.anyCountry) {
      const others = shuffle((await knownCountries(now)).filter((c) => c !== wanted), random);
      for (const other of others) {
        searched.push(other);
        lease = await acquireIn(other, traceId, now);
        if (lease) break;
      }
    }
    if (lease) return settle(lease, now);
    // None free — but a retried acquire may already hold one (its own IP is not free either).
    const held = await liveLease(await readPointer(traceId), traceId, now);
    if (held) return held;
    throw new NoIpAvailable(wanted, searched);
  }

  /** Why a release condition failed, from the item as it was. */
  function lostOrReleased(old: Partial<IpItem> | undefined, leaseId: string): ReleaseResult | undefined {
    if (!old || old.leaseId !== leaseId) return { released: false, reason: 'lease_lost' };
    if (old.leaseOwner === undefined) return { released: false, reason: 'already_released' };
    return undefined; // still ours: the condition failed on something else
  }

  async function release(lease: Pick<Lease, 'ipId' | 'leaseId'>, outcome: ReleaseOutcome): Promise<ReleaseResult> {
    if (!RELEASE_OUTCOMES.includes(outcome)) throw new LeaseConfigError(`release: unknown outcome '${String(outcome)}'`);
    const now = clock();
    const base = {
      TableName: tables.ipPool,
      Key: { ipId: lease.ipId },
      ReturnValues: 'ALL_NEW' as const,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const owned = 'leaseId = :leaseId AND attribute_exists(leaseOwner)';
    const common = 'lastReleasedAt = :now, lastOutcome = :outcome';
    const values = { ':leaseId': lease.leaseId, ':now': now, ':outcome': outcome, ':one': 1 };

    const send = async (input: {
      ConditionExpression: string;
      UpdateExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    }): Promise<{ item?: Partial<IpItem>; failed?: ConditionalCheckFailedException }> => {
      try {
        const out = await doc.send(new UpdateCommand({ ...base, ...input }));
        return { item: out.Attributes as Partial<IpItem> };
      } catch (error) {
        if (isConditionFailure(error)) return { failed: error };
        throw error;
      }
    };

    const markUnhealthy = async (): Promise<ReleaseResult> => {
      const res = await send({
        ConditionExpression: owned,
        UpdateExpression: `SET ${common}, healthy = :false, unhealthySince = :now REMOVE availableAt, leaseOwner ADD failureCount :one, consecutiveFailures :one`,
        ExpressionAttributeValues: { ...values, ':false': false },
      });
      if (res.failed) return lostOrReleased(oldItem(res.failed), lease.leaseId) ?? { released: false, reason: 'lease_lost' };
      return { released: true, markedUnhealthy: true };
    };

    let res: Awaited<ReturnType<typeof send>>;
    const cooling = { ...values, ':cooldownEnd': now + cfg.cooldownMs };
    const release = `SET ${common}, availableAt = :cooldownEnd`;
    if (outcome === 'success') {
      res = await send({
        ConditionExpression: owned,
        UpdateExpression: `${release}, consecutiveFailures = :zero REMOVE leaseOwner ADD successCount :one`,
        ExpressionAttributeValues: { ...cooling, ':zero': 0 },
      });
    } else if (outcome === 'proxy_failure') {
      if (cfg.unhealthyAfter === 1) return markUnhealthy();
      // Below the threshold: count it and cool down. At the threshold the condition fails and the
      // item tells us it is still ours: then mark it unhealthy (each path is one atomic write).
      res = await send({
        ConditionExpression: `${owned} AND (attribute_not_exists(consecutiveFailures) OR consecutiveFailures < :lastTolerated)`,
        UpdateExpression: `${release} REMOVE leaseOwner ADD failureCount :one, consecutiveFailures :one`,
        ExpressionAttributeValues: { ...cooling, ':lastTolerated': cfg.unhealthyAfter - 1 },
      });
      if (res.failed) return lostOrReleased(oldItem(res.failed), lease.leaseId) ?? markUnhealthy();
    } else {
      // Offer and network failures say nothing about the proxy: no effect on health.
      res = await send({
        ConditionExpression: owned,
        UpdateExpression: `${release} REMOVE leaseOwner ADD otherFailureCount :one`,
        ExpressionAttributeValues: cooling,
      });
    }
    if (res.failed) return lostOrReleased(oldItem(res.failed), lease.leaseId) ?? { released: false, reason: 'lease_lost' };

    if (res.item?.enabled === false) {
      // Disabled while leased: now that it is released, take it out of the index.
      await send({
        ConditionExpression: 'leaseId = :leaseId AND enabled = :false AND attribute_not_exists(leaseOwner)',
        UpdateExpression: 'REMOVE availableAt',
        ExpressionAttributeValues: { ':leaseId': lease.leaseId, ':false': false },
      });
    }
    return { released: true, markedUnhealthy: false };
  }

  return { acquire, release };
}
