/**
 * The acquire path of the lease pool: find a free IP through the `free` index, win it with one
 * conditional write, record the trace's pointer to it (so a retried acquire gets the same lease),
 * or reserve an IP still in its cooldown. createLeasePool (lease-pool.ts) joins it to the release path.
 */
import { v7 as uuidv7 } from 'uuid';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseConfigError, NoIpAvailable } from './errors';
import { OPS_KEYS, type IpItem } from './ip-item';
import { isConditionFailure } from '../shared/dynamo-errors';
import { conditionalWrite } from '../shared/conditional-write';
import { knownCountries as readCountries } from './pool-countries';
import type { LeasePoolConfig } from './lease-config';
import type { AcquireOptions, Grant, Lease, LeasePool, LeasePoolDeps, ReleasedIp } from './lease-pool';

export const FREE_INDEX = 'free';

/** A lease as the internals pass it: `reused` when the trace held it before this call. */
type Held = Lease & { readonly reused?: true };

const asGrant = ({ reused, ...lease }: Held): Grant => ({ lease, reused: reused === true });

/** Looks at the free index before giving up: progress under contention without unbounded work. */
const MAX_LOOKS = 3;
/** Candidates tried from one look before looking again. */
const TRIES_PER_LOOK = 4;
/** Lease pointers outlive the lease by this much so a late retry still finds (and rejects) them. */
const POINTER_GRACE_MS = 60 * 60 * 1000;

interface Pointer {
  readonly ipId: string;
  readonly leaseId: string;
  readonly leaseExpiresAt: number;
}

/** The lease an IpPool item records (granted to `traceId`). */
export function toLease(item: Partial<IpItem>, traceId: string): Lease {
  const { ipId, host, port, provider, country, leaseId, fence, availableAt, lastUsedAt } = item;
  if (
    ipId === undefined ||
    host === undefined ||
    port === undefined ||
    provider === undefined ||
    country === undefined ||
    leaseId === undefined ||
    fence === undefined ||
    availableAt === undefined
  ) {
    throw new Error(`IpPool item ${ipId ?? '?'} is missing lease attributes`);
  }
  // lastUsedAt is written with the grant: the lease's start (later than the grant for a reservation).
  return { ipId, host, port, provider, country, traceId, leaseId, fence, expiresAt: availableAt, startsAt: lastUsedAt ?? availableAt };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function acquirePath(deps: LeasePoolDeps, cfg: Required<LeasePoolConfig>): Pick<LeasePool, 'acquire' | 'grant' | 'reserveIp' | 'giveBack'> {
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

  /**
   * One conditional write grants the IP. `coolingUntil`: reserve an IP in its cooldown, which must
   * still be unowned and end its cooldown exactly then (as it was seen); the lease starts there.
   */
  async function tryLease(ipId: string, country: string, traceId: string, now: number, coolingUntil?: number): Promise<Held | undefined> {
    const startsAt = coolingUntil !== undefined && coolingUntil > now ? coolingUntil : now;
    const written = await conditionalWrite(() =>
      doc.send(
        new UpdateCommand({
          TableName: tables.ipPool,
          Key: { ipId },
          ConditionExpression:
            startsAt > now
              ? 'availableAt = :seen AND attribute_not_exists(leaseOwner) AND healthy = :true AND enabled = :true AND country = :country'
              : 'availableAt <= :now AND healthy = :true AND enabled = :true AND country = :country',
          UpdateExpression: 'SET availableAt = :expires, leaseOwner = :traceId, leaseId = :leaseId, lastUsedAt = :startsAt ADD fence :one',
          ExpressionAttributeValues: {
            ...(startsAt > now ? { ':seen': startsAt } : { ':now': now }),
            ':true': true,
            ':country': country,
            ':expires': startsAt + cfg.leaseMs,
            ':startsAt': startsAt,
            ':traceId': traceId,
            ':leaseId': uuidv7(),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (written.ok) return toLease(written.value.Attributes as Partial<IpItem>, traceId);
    // Someone else won this IP — unless it is our own live lease (a retry racing itself).
    const old = written.old as Partial<IpItem> | undefined;
    if (old?.leaseOwner === traceId && (old.availableAt ?? 0) > now) return { ...toLease(old, traceId), reused: true };
    return undefined;
  }

  /**
   * A number from a per-country counter. Concurrent acquires see the same longest-free IPs; picked
   * at random, two of them often try the same IP (a wasted conditional write each time, and with
   * the pool half busy, one in three tries). Consecutive numbers pick different IPs instead. The
   * counter is read beside the index (no extra round trip); without it, the pick is at random.
   */
  async function ticket(country: string): Promise<number | undefined> {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: tables.ops,
          Key: OPS_KEYS.ticketOf(country),
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.n);
    } catch {
      return undefined;
    }
  }

  /**
   * A free IP of the country. Each look at the index tries a few of the longest-free IPs, the first
   * chosen by this acquire's ticket and the rest at random; when other acquires took them all
   * first, the next look (with the clock as it is then) drops those and sees the IPs released
   * since — the rest of a stale page would mostly be IPs taken meanwhile.
   */
  async function acquireIn(country: string, traceId: string, now: number): Promise<Held | undefined> {
    for (let look = 0; look < MAX_LOOKS; look++) {
      const at = look === 0 ? now : Math.max(now, clock());
      const [res, n] = await Promise.all([
        doc.send(
          new QueryCommand({
            TableName: tables.ipPool,
            IndexName: FREE_INDEX,
            KeyConditionExpression: 'country = :country AND availableAt <= :now',
            ExpressionAttributeValues: { ':country': country, ':now': at },
            ScanIndexForward: true, // longest-free first
            Limit: cfg.candidates,
          }),
        ),
        look === 0 ? ticket(country) : undefined,
      ]);
      const ids = (res.Items ?? []).map((i) => String(i.ipId));
      if (ids.length === 0) return undefined;
      const first = n !== undefined && Number.isFinite(n) ? ids.splice(n % ids.length, 1) : [];
      for (const ipId of [...first, ...shuffle(ids, random)].slice(0, TRIES_PER_LOOK)) {
        const lease = await tryLease(ipId, country, traceId, at);
        if (lease) return lease;
      }
    }
    return undefined;
  }

  /**
   * The IPs of a country whose cooldown ends first. The index holds leased IPs too (their
   * availableAt is the lease's expiry) and does not say which is which: the conditional write
   * does. One page: when none is free, a release hands its IP to the longest waiter anyway.
   */
  async function reserveIn(country: string, traceId: string, now: number): Promise<Held | undefined> {
    const res = await doc.send(
      new QueryCommand({
        TableName: tables.ipPool,
        IndexName: FREE_INDEX,
        KeyConditionExpression: 'country = :country AND availableAt > :now',
        ExpressionAttributeValues: { ':country': country, ':now': now },
        ScanIndexForward: true, // soonest out of cooldown first
        Limit: cfg.candidates,
      }),
    );
    for (const item of res.Items ?? []) {
      const lease = await tryLease(String(item.ipId), country, traceId, now, Number(item.availableAt));
      if (lease) return lease;
    }
    return undefined;
  }

  async function knownCountries(now: number): Promise<string[]> {
    if (countryCache && countryCache.until > now) return countryCache.countries;
    const countries = await readCountries(doc, tables.ops);
    countryCache = { countries, until: now + cfg.countryListTtlMs };
    return countries;
  }

  /**
   * Hands a just-granted lease straight back (as if never taken: no cooldown, no counters). A
   * reservation goes back to the cooldown it was reserved in.
   */
  async function abandon(lease: Pick<Lease, 'ipId' | 'leaseId' | 'startsAt'>, now: number): Promise<void> {
    await doc
      .send(
        new UpdateCommand({
          TableName: tables.ipPool,
          Key: { ipId: lease.ipId },
          ConditionExpression: 'leaseId = :leaseId AND attribute_exists(leaseOwner)',
          UpdateExpression: 'SET availableAt = :at REMOVE leaseOwner',
          ExpressionAttributeValues: { ':leaseId': lease.leaseId, ':at': Math.max(now, lease.startsAt ?? now) },
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
  async function settle(lease: Lease, now: number): Promise<Held> {
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
        const written = await conditionalWrite(() =>
          doc.send(
            new PutCommand({
              TableName: tables.ops,
              Item: item,
              ConditionExpression: condition,
              ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            }),
          ),
        );
        if (written.ok) return lease;
        const pointer = await readPointer(lease.traceId);
        const existing = await liveLease(pointer, lease.traceId, now);
        if (existing && existing.leaseId !== lease.leaseId) {
          await abandon(lease, now);
          return { ...existing, reused: true };
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
    return (await grant(country, traceId, opts)).lease;
  }

  async function grant(country: string, traceId: string, opts: AcquireOptions = {}): Promise<Grant> {
    const wanted = country.trim().toLowerCase();
    if (!wanted) throw new LeaseConfigError('acquire: country is required');
    if (!traceId) throw new LeaseConfigError('acquire: traceId is required');
    const now = clock();

    const searched = [wanted];
    let lease = await acquireIn(wanted, traceId, now);
    if (!lease && opts.anyCountry) {
      const others = shuffle(
        (await knownCountries(now)).filter((c) => c !== wanted),
        random,
      );
      for (const other of others) {
        searched.push(other);
        lease = await acquireIn(other, traceId, now);
        if (lease) break;
      }
    }
    if (!lease && opts.reserve) lease = await reserveIn(wanted, traceId, now);
    if (lease?.reused) return asGrant(lease);
    if (lease) return asGrant(await settle(lease, now));
    // None free — but a retried acquire may already hold one (its own IP is not free either).
    const held = await liveLease(await readPointer(traceId), traceId, now);
    if (held) return { lease: held, reused: true };
    throw new NoIpAvailable(wanted, searched);
  }

  async function reserveIp(ip: ReleasedIp, traceId: string): Promise<Grant | undefined> {
    const now = clock();
    try {
      // The IP as the release left it (same leaseId, no owner): its cooldown end is on the item, so
      // the new lease starts there — read and written in this one update.
      const out = await doc.send(
        new UpdateCommand({
          TableName: tables.ipPool,
          Key: { ipId: ip.ipId },
          ConditionExpression:
            'leaseId = :released AND attribute_not_exists(leaseOwner) AND attribute_exists(availableAt) AND healthy = :true AND enabled = :true AND country = :country',
          UpdateExpression: 'SET lastUsedAt = availableAt, availableAt = availableAt + :leaseMs, leaseOwner = :traceId, leaseId = :leaseId ADD fence :one',
          ExpressionAttributeValues: {
            ':released': ip.leaseId,
            ':true': true,
            ':country': ip.country,
            ':leaseMs': cfg.leaseMs,
            ':traceId': traceId,
            ':leaseId': uuidv7(),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return asGrant(await settle(toLease(out.Attributes as Partial<IpItem>, traceId), now));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async function giveBack(lease: Pick<Lease, 'ipId' | 'leaseId' | 'startsAt'>): Promise<void> {
    await abandon(lease, clock());
  }

  return { acquire, grant, reserveIp, giveBack };
}
