/**
 * The lease-waiter queue: a trace that finds no IP waits here on its Step Functions task token,
 * in arrival order per country, and costs nothing while it waits — no polling, no retries.
 *
 * Who hands IPs out:
 * - a release, the moment it puts an IP into cooldown: the IP is reserved for the longest waiter
 *   of its country (the lease starts when the cooldown ends, and the execution waits until then);
 * - the minute sweep, for what no release announces: leases that expired, IPs imported, enabled or
 *   healthy again, and hand-offs interrupted halfway; it also ends waiters past their patience.
 *
 * A hand-off is safe to interrupt or repeat at any step: the waiter is claimed by a conditional
 * write (one dispatcher wins), the IP by the lease's own conditional write, and a waiter whose
 * task is gone gets its IP given back. Even a lease handed to a task that went on without it
 * cannot be shared unnoticed: the fence makes the later holder's release find `lease_lost`.
 *
 * Items live in the Ops table: pk `waiters#<country>` (or `waiters#any` for offers that take any
 * country), sk `<arrival, zero-padded>#<traceId>`, so a Query reads a country's queue oldest first.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from '../shared/conditional-write';
import { NoIpAvailable } from './errors';
import type { Grant, Lease, LeasePool, ReleasedIp } from './lease-pool';

/** The queue of offers that take an IP of any country. */
export const ANY_COUNTRY_QUEUE = 'any';
/** How long a trace waits for an IP before it ends as it would with none (ms). */
export const DEFAULT_PATIENCE_MS = 15 * 60_000;
/** A hand-off claimed or granted but not finished after this long was interrupted: the sweep finishes it. */
const STALLED_GRANT_MS = 30_000;
/** Waiters read per page while looking for the oldest still waiting. */
const PAGE = 10;
/** Waiters tried for one released IP when the first ones turn out gone. */
const MAX_TRIES_PER_IP = 5;

/** Answers a task token. `gone`: the task no longer waits (timed out, retried, execution ended). */
export interface TaskTokens {
  succeed(token: string, output: unknown): Promise<'sent' | 'gone'>;
  fail(token: string, error: string, cause: string): Promise<'sent' | 'gone'>;
}

export interface WaiterInput {
  readonly traceId: string;
  readonly executionName: string;
  readonly taskToken: string;
  /** The country asked for; `anyCountry` waiters queue in ANY_COUNTRY_QUEUE. */
  readonly country: string;
  readonly anyCountry: boolean;
  /** Arrival at the pool (the execution's start): the queue's order. */
  readonly arrivedAt: number;
  /** Whatever the hand-off needs to build the task's output (small: it is stored with the waiter). */
  readonly context: Record<string, unknown>;
}

export interface Waiter extends WaiterInput {
  readonly pk: string;
  readonly sk: string;
  /** waiting → claimed (a dispatcher is handing it an IP) → granted (the lease recorded here) → removed. */
  readonly state: 'waiting' | 'claimed' | 'granted';
  /** Past this (epoch ms) the waiter gives up. */
  readonly giveUpAt: number;
  /** Set with `granted`: the lease being handed over, and whether the trace held it before. */
  readonly lease?: Lease;
  readonly reused?: boolean;
  /** When the state last changed: a claim or grant left this long was interrupted. */
  readonly changedAt?: number;
}

export interface LeaseWaitersDeps {
  readonly doc: DynamoDBDocumentClient;
  /** The Ops table. */
  readonly table: string;
  readonly clock: () => number;
  readonly pool: LeasePool;
  readonly tokens: TaskTokens;
  /**
   * Records the lease for the waiting trace and returns the task's output. Throws an error named
   * `TraceSuperseded` when the trace moved on without it (the task then fails with that error).
   */
  readonly grant: (waiter: Waiter, lease: Lease) => Promise<unknown>;
  /** @default DEFAULT_PATIENCE_MS */
  readonly patienceMs?: number;
}

export type HandOff = 'handed' | 'gone' | 'superseded' | 'raced' | 'failed';

export interface SweepReport {
  readonly handed: number;
  readonly expired: number;
  readonly resumed: number;
}

export interface LeaseWaiters {
  /** Queues a trace; its task token is answered by a hand-off or when its patience runs out. */
  register(input: WaiterInput): Promise<void>;
  /** Whether a country's queue holds anyone still waiting (a newcomer then queues behind them). */
  hasWaiting(country: string): Promise<boolean>;
  /** After a release: the IP, in its cooldown, goes to the longest waiter of its country. */
  handOffIp(ip: ReleasedIp): Promise<HandOff | 'none'>;
  /** Hands out IPs of a country (free or cooling) while it has waiters. Returns how many. */
  dispatch(country: string, limit?: number): Promise<number>;
  /** The minute sweep: ends waiters past their patience, completes interrupted hand-offs, dispatches. */
  sweep(countries: readonly string[]): Promise<SweepReport>;
}

const queueKey = (queue: string) => `waiters#${queue}`;
/** Every queue a trace ever waited in: the sweep must reach a country the pool has no IP of yet. */
const QUEUES_KEY = { pk: 'waiters', sk: 'queues' };
const sortKey = (arrivedAt: number, traceId: string) => `${String(Math.max(0, Math.floor(arrivedAt))).padStart(15, '0')}#${traceId}`;

export function createLeaseWaiters(deps: LeaseWaitersDeps): LeaseWaiters {
  const { doc, table, clock, pool, tokens } = deps;
  const patienceMs = deps.patienceMs ?? DEFAULT_PATIENCE_MS;
  /** Queues this process has already recorded in the registry (one write per queue and process). */
  const recorded = new Set<string>();

  async function register(input: WaiterInput): Promise<void> {
    const queue = input.anyCountry ? ANY_COUNTRY_QUEUE : input.country;
    const giveUpAt = clock() + patienceMs;
    if (!recorded.has(queue)) {
      await doc.send(new UpdateCommand({ TableName: table, Key: QUEUES_KEY, UpdateExpression: 'ADD queues :q', ExpressionAttributeValues: { ':q': new Set([queue]) } }));
      recorded.add(queue);
    }
    // An unconditional put: a retried AcquireLease of the same execution (same key) replaces the
    // waiter with its new token, since the old task can no longer be answered.
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...input,
          pk: queueKey(queue),
          sk: sortKey(input.arrivedAt, input.traceId),
          state: 'waiting',
          giveUpAt,
          expiresAt: Math.ceil((giveUpAt + 24 * 3_600_000) / 1000), // TTL: anything the sweep missed
        },
      }),
    );
  }

  /** A queue's waiters, oldest first (at most `pages` pages). */
  async function* queueOf(queue: string, pages = 10): AsyncGenerator<Waiter> {
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < pages; page++) {
      const res = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': queueKey(queue) },
          ScanIndexForward: true,
          Limit: PAGE,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of res.Items ?? []) yield item as Waiter;
      startKey = res.LastEvaluatedKey;
      if (!startKey) return;
    }
  }

  async function* waitingIn(queue: string): AsyncGenerator<Waiter> {
    for await (const w of queueOf(queue)) if (w.state === 'waiting' && w.giveUpAt > clock()) yield w;
  }

  /**
   * Who an IP of `country` may go to, longest waiter first: its own queue and the any-country
   * queue, merged by arrival.
   */
  async function* candidatesFor(country: string): AsyncGenerator<Waiter> {
    const own = waitingIn(country);
    const any = country === ANY_COUNTRY_QUEUE ? undefined : waitingIn(ANY_COUNTRY_QUEUE);
    let a = await own.next();
    let b = any ? await any.next() : { done: true as const, value: undefined };
    while (!a.done || !b.done) {
      if (!a.done && (b.done || a.value.sk <= b.value.sk)) {
        yield a.value;
        a = await own.next();
      } else if (!b.done) {
        yield b.value;
        b = await any!.next();
      }
    }
  }

  async function hasWaiting(country: string): Promise<boolean> {
    return !(await waitingIn(country).next()).done;
  }

  async function remove(w: Pick<Waiter, 'pk' | 'sk' | 'taskToken'>): Promise<void> {
    // Only this waiter as read: a retried acquire may have put a new token under the same key.
    await conditionalWrite(() =>
      doc.send(
        new DeleteCommand({ TableName: table, Key: { pk: w.pk, sk: w.sk }, ConditionExpression: 'taskToken = :t', ExpressionAttributeValues: { ':t': w.taskToken } }),
      ),
    );
  }

  /** Moves a waiter from one state to the next; false when another dispatcher got there first. */
  async function transition(w: Waiter, from: Waiter['state'], to: Waiter['state'], set: Record<string, unknown> = {}): Promise<boolean> {
    const names = Object.keys(set);
    const written = await conditionalWrite(() =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: w.pk, sk: w.sk },
          ConditionExpression: '#st = :from AND taskToken = :t',
          UpdateExpression: `SET #st = :to, changedAt = :now${names.map((n) => `, ${n} = :${n}`).join('')}`,
          ExpressionAttributeNames: { '#st': 'state' },
          ExpressionAttributeValues: { ':from': from, ':to': to, ':t': w.taskToken, ':now': clock(), ...Object.fromEntries(names.map((n) => [`:${n}`, set[n]])) },
        }),
      ),
    );
    return written.ok;
  }

  /** The lease goes back unless the trace held it before this hand-off (then it is its own to release). */
  const giveBack = (g: Grant) => (g.reused ? Promise.resolve() : pool.giveBack(g.lease));

  /** From a granted waiter on: record, answer the token, remove the waiter. Repeatable. */
  async function complete(w: Waiter, g: Grant): Promise<HandOff> {
    let output: unknown;
    try {
      output = await deps.grant(w, g.lease);
    } catch (error) {
      if ((error as Error).name !== 'TraceSuperseded') throw error;
      await giveBack(g);
      await tokens.fail(w.taskToken, 'TraceSuperseded', (error as Error).message);
      await remove(w);
      return 'superseded';
    }
    const sent = await tokens.succeed(w.taskToken, output);
    if (sent === 'gone') await giveBack(g);
    await remove(w);
    return sent === 'sent' ? 'handed' : 'gone';
  }

  /**
   * Hands a lease to a waiter this dispatcher has claimed: the waiter is claimed first, so
   * dispatchers racing for one queue each take the next waiter instead of fighting over the first.
   * `lease` undefined: no IP after all; the waiter goes back to waiting, its place unchanged.
   */
  async function grantClaimed(w: Waiter, g: Grant | undefined): Promise<HandOff | 'no_ip'> {
    if (!g) {
      await transition(w, 'claimed', 'waiting');
      return 'no_ip';
    }
    if (!(await transition(w, 'claimed', 'granted', { lease: g.lease, reused: g.reused }))) {
      await giveBack(g); // the sweep took the claim back meanwhile: someone else will serve it
      return 'raced';
    }
    return complete({ ...w, state: 'granted', lease: g.lease, reused: g.reused }, g);
  }

  async function handOffIp(released: ReleasedIp): Promise<HandOff | 'none'> {
    let ip = released;
    let tries = 0;
    for await (const w of candidatesFor(ip.country)) {
      if (!(await transition(w, 'waiting', 'claimed'))) continue; // another dispatcher's
      const g = await pool.reserveIp(ip, w.traceId);
      const outcome = await grantClaimed(w, g);
      if (outcome === 'handed') return outcome;
      // The IP is no longer as released (someone else has it, it left the pool): nothing to hand.
      if (outcome === 'no_ip' || outcome === 'raced') return 'failed';
      // Gone or superseded: the IP went back to its cooldown under the new lease's id; next waiter.
      ip = { ...ip, leaseId: g!.lease.leaseId };
      if (++tries >= MAX_TRIES_PER_IP) return 'failed';
    }
    return 'none';
  }

  async function dispatch(country: string, limit = 1_000): Promise<number> {
    let handed = 0;
    let tries = 0;
    const tryOnce = async (w: Waiter): Promise<HandOff | 'no_ip' | 'taken'> => {
      if (!(await transition(w, 'waiting', 'claimed'))) return 'taken';
      const g = await pool.grant(country, w.traceId, { reserve: true }).catch((error: unknown) => {
        if (error instanceof NoIpAvailable) return undefined;
        throw error;
      });
      return grantClaimed(w, g);
    };
    for await (const w of candidatesFor(country)) {
      if (tries++ >= limit) break;
      let outcome = await tryOnce(w);
      // While this waiter was claimed, a release may have looked for waiters, seen none waiting and
      // left its IP cooling: look once more now that the waiter is back in line, or it would wait
      // for the next release (or the sweep) with an IP idle.
      if (outcome === 'no_ip') outcome = await tryOnce(w);
      if (outcome === 'no_ip') break;
      if (outcome === 'handed') handed++;
    }
    return handed;
  }

  async function sweepQueue(queue: string, now: number): Promise<{ expired: number; resumed: number }> {
    let expired = 0;
    let resumed = 0;
    // Waiters past their patience are the oldest ones, and stalled hand-offs are old too: a few pages suffice.
    for await (const w of queueOf(queue, 20)) {
      const stalled = (w.changedAt ?? 0) + STALLED_GRANT_MS <= now;
      if (w.state === 'granted' && w.lease && stalled) {
        await complete(w, { lease: w.lease, reused: w.reused === true });
        resumed++;
      } else if (w.state === 'claimed' && stalled) {
        // Its dispatcher died between the claim and the grant: back in line, same place.
        if (await transition(w, 'claimed', 'waiting')) resumed++;
      } else if (w.state === 'waiting' && w.giveUpAt <= now) {
        if (!(await transition(w, 'waiting', 'claimed'))) continue;
        const error = new NoIpAvailable(w.country, [w.country]);
        await tokens.fail(w.taskToken, error.name, `${error.message}: waited ${Math.round((now - w.arrivedAt) / 1000)} s`);
        await remove(w);
        expired++;
      } else if (w.state === 'waiting') {
        break; // the rest arrived later
      }
    }
    return { expired, resumed };
  }

  async function sweep(poolCountries: readonly string[]): Promise<SweepReport> {
    const now = clock();
    let expired = 0;
    let resumed = 0;
    let handed = 0;
    const got = await doc.send(new GetCommand({ TableName: table, Key: QUEUES_KEY, ConsistentRead: true }));
    const waitedIn = [...((got.Item?.queues as Set<string> | undefined) ?? [])];
    const countries = [...new Set([...poolCountries, ...waitedIn.filter((q) => q !== ANY_COUNTRY_QUEUE)])].sort();
    for (const queue of [...countries, ANY_COUNTRY_QUEUE]) {
      const r = await sweepQueue(queue, now);
      expired += r.expired;
      resumed += r.resumed;
    }
    for (const country of countries) handed += await dispatch(country);
    return { handed, expired, resumed };
  }

  return { register, hasWaiting, handOffIp, dispatch, sweep };
}
