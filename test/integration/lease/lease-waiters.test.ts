/**
 * The lease-waiter queue on the run's DynamoDB Local, with a fake clock and a recording stand-in
 * for Step Functions' task tokens (the token service is the one collaborator that is not local
 * here; the e2e tests run the real callback through the local Step Functions).
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createLeaseWaiters, type TaskTokens, type Waiter } from '../../../lambdas/lease/lease-waiters';
import type { Lease } from '../../../lambdas/lease/lease-pool';
import { poolFixture, T0, type PoolFixture } from './pool-fixture';

const LEASE_MS = 60_000;
const COOLDOWN_MS = 6_000;

interface Answer {
  readonly token: string;
  readonly output?: { traceId: string; ipId: string; startsAt: number };
  readonly error?: string;
}

function tokenService(gone: Set<string> = new Set()) {
  const answers: Answer[] = [];
  const tokens: TaskTokens = {
    async succeed(token, output) {
      if (gone.has(token)) return 'gone';
      answers.push({ token, output: output as Answer['output'] });
      return 'sent';
    },
    async fail(token, error) {
      if (gone.has(token)) return 'gone';
      answers.push({ token, error });
      return 'sent';
    },
  };
  return { tokens, answers, gone };
}

describe('lease waiters: a backlog waits its turn, without polling', () => {
  let f: PoolFixture;
  beforeEach(async () => {
    f = await poolFixture('waiters', { leaseMs: LEASE_MS, cooldownMs: COOLDOWN_MS });
  });
  afterEach(() => f.close());

  function waiters(tokens: TaskTokens, grant?: (w: Waiter, lease: Lease) => Promise<unknown>) {
    return createLeaseWaiters({
      doc: f.doc,
      table: f.tables.ops,
      clock: f.now,
      pool: f.pool,
      tokens,
      grant: grant ?? (async (w, lease) => ({ traceId: w.traceId, ipId: lease.ipId, startsAt: lease.startsAt })),
      patienceMs: 15 * 60_000,
    });
  }

  const waiter = (traceId: string, arrivedAt: number, country = 'us', anyCountry = false) => ({
    traceId,
    executionName: traceId,
    taskToken: `token-${traceId}`,
    country,
    anyCountry,
    arrivedAt,
    context: {},
  });

  const releasedIp = (lease: Lease) => ({ ipId: lease.ipId, country: lease.country, leaseId: lease.leaseId });

  async function queue(country: string): Promise<Waiter[]> {
    const res = await f.doc.send(
      new QueryCommand({ TableName: f.tables.ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `waiters#${country}` }, ConsistentRead: true }),
    );
    return (res.Items ?? []) as Waiter[];
  }

  it('hands each released IP, in its cooldown, to the longest waiter of its country: first come, first served', async () => {
    await f.seed(2, 'us');
    await f.seed(1, 'de');
    const { tokens, answers } = tokenService();
    const w = waiters(tokens);
    const a = await f.pool.acquire('us', 'busy-1');
    const b = await f.pool.acquire('us', 'busy-2');
    // Registered out of arrival order: the queue is ordered by arrival, not registration.
    await w.register(waiter('late', T0 + 30));
    await w.register(waiter('early', T0 + 10));
    await w.register(waiter('middle', T0 + 20));
    await w.register(waiter('german', T0 + 5, 'de'));
    expect(await w.hasWaiting('us')).toBe(true);

    f.advance(1_000);
    expect(await f.pool.release(a, 'success')).toEqual({ released: true, markedUnhealthy: false });
    expect(await w.handOffIp(releasedIp(a))).toBe('handed');
    // The lease starts when the cooldown ends: the IP is not used before then.
    expect(answers).toEqual([{ token: 'token-early', output: { traceId: 'early', ipId: a.ipId, startsAt: f.now() + COOLDOWN_MS } }]);
    expect(await f.item(a.ipId)).toMatchObject({ leaseOwner: 'early', availableAt: f.now() + COOLDOWN_MS + LEASE_MS });

    f.advance(1_000);
    await f.pool.release(b, 'success');
    await w.handOffIp(releasedIp(b));
    expect(answers.map((x) => x.token)).toEqual(['token-early', 'token-middle']);
    // Handed waiters leave the queue; the German one waits for a German IP.
    expect((await queue('us')).map((x) => x.traceId)).toEqual(['late']);
    expect(answers.some((x) => x.token === 'token-german')).toBe(false);
  });

  it('a waiter whose task is gone gets nothing: the IP goes back to its cooldown and on to the next', async () => {
    await f.seed(1, 'us');
    const { tokens, answers, gone } = tokenService();
    const w = waiters(tokens);
    const a = await f.pool.acquire('us', 'busy');
    await w.register(waiter('timed-out', T0 + 1));
    await w.register(waiter('alive', T0 + 2));
    gone.add('token-timed-out');
    await f.pool.release(a, 'success');
    expect(await w.handOffIp(releasedIp(a))).toBe('handed');
    expect(answers).toEqual([expect.objectContaining({ token: 'token-alive' })]);
    const item = await f.item(a.ipId);
    expect(item).toMatchObject({ leaseOwner: 'alive', availableAt: f.now() + COOLDOWN_MS + LEASE_MS });
    expect(await queue('us')).toEqual([]);
  });

  it('closes the race with a release that found no one: dispatch after registering hands the cooling IP over', async () => {
    await f.seed(1, 'us');
    const { tokens, answers } = tokenService();
    const w = waiters(tokens);
    const a = await f.pool.acquire('us', 'busy');
    await f.pool.release(a, 'success');
    expect(await w.handOffIp(releasedIp(a))).toBe('none');
    await w.register(waiter('newcomer', T0 + 1));
    expect(await w.dispatch('us', 1)).toBe(1);
    expect(answers).toEqual([{ token: 'token-newcomer', output: { traceId: 'newcomer', ipId: a.ipId, startsAt: f.now() + COOLDOWN_MS } }]);
  });

  it('an any-country waiter takes an IP of any country, in arrival order with the country queue', async () => {
    await f.seed(1, 'fr');
    const { tokens, answers } = tokenService();
    const w = waiters(tokens);
    const a = await f.pool.acquire('fr', 'busy');
    await w.register(waiter('anywhere', T0 + 1, 'us', true));
    await w.register(waiter('french', T0 + 2, 'fr'));
    await f.pool.release(a, 'success');
    await w.handOffIp(releasedIp(a));
    expect(answers.map((x) => x.token)).toEqual(['token-anywhere']);
  });

  it('the sweep ends waiters past their patience with NoIpAvailable, and hands out expired leases', async () => {
    await f.seed(1, 'us');
    const { tokens, answers } = tokenService();
    const w = waiters(tokens);
    await f.pool.acquire('us', 'crashed'); // never released: its lease expires
    await w.register(waiter('patient', T0 + 1));
    f.advance(LEASE_MS + 1);
    const report = await w.sweep(['us']);
    expect(report).toMatchObject({ handed: 1, expired: 0 });
    expect(answers).toEqual([expect.objectContaining({ token: 'token-patient', output: expect.objectContaining({ traceId: 'patient' }) })]);

    await w.register(waiter('impatient', f.now()));
    f.advance(15 * 60_000);
    expect(await w.sweep(['us'])).toMatchObject({ expired: 1 });
    expect(answers.at(-1)).toEqual({ token: 'token-impatient', error: 'NoIpAvailable' });
    expect(await queue('us')).toEqual([]);
  });

  it('the sweep reaches a country the pool has no IP of: its waiters end when their patience does', async () => {
    await f.seed(1, 'us');
    const { tokens, answers } = tokenService();
    const w = waiters(tokens);
    await w.register(waiter('nowhere', T0, 'de'));
    f.advance(15 * 60_000);
    // The pool knows only 'us'; the queue registry adds 'de'.
    expect(await w.sweep(['us'])).toMatchObject({ expired: 1 });
    expect(answers).toEqual([{ token: 'token-nowhere', error: 'NoIpAvailable' }]);
  });

  it('a hand-off interrupted after the claim is finished by the sweep, exactly once', async () => {
    await f.seed(1, 'us');
    const { tokens, answers } = tokenService();
    let crash = true;
    const w = waiters(tokens, async (wt, lease) => {
      if (crash) throw new Error('the function died here');
      return { traceId: wt.traceId, ipId: lease.ipId, startsAt: lease.startsAt };
    });
    const a = await f.pool.acquire('us', 'busy');
    await w.register(waiter('survivor', T0 + 1));
    await f.pool.release(a, 'success');
    const cooldownEnd = f.now() + COOLDOWN_MS;
    await expect(w.handOffIp(releasedIp(a))).rejects.toThrow('the function died here');
    expect(answers).toEqual([]);
    const [claimed] = await queue('us');
    expect(claimed).toMatchObject({ traceId: 'survivor', state: 'granted' });

    crash = false;
    expect(await w.sweep(['us'])).toMatchObject({ resumed: 0 }); // not stalled yet: its dispatcher may still be at it
    f.advance(31_000);
    expect(await w.sweep(['us'])).toMatchObject({ resumed: 1 });
    expect(await w.sweep(['us'])).toMatchObject({ resumed: 0, handed: 0 });
    expect(answers).toEqual([{ token: 'token-survivor', output: { traceId: 'survivor', ipId: a.ipId, startsAt: cooldownEnd } }]);
    // The survivor holds the IP, with its pointer, once.
    const pointer = await f.doc.send(new GetCommand({ TableName: f.tables.ops, Key: { pk: 'lease#survivor', sk: 'lease' }, ConsistentRead: true }));
    expect(pointer.Item).toMatchObject({ ipId: a.ipId });
    expect(await queue('us')).toEqual([]);
  });

  it('two dispatchers racing for one waiter hand it one IP; the other IP stays for the next waiter', async () => {
    await f.seed(2, 'us');
    const { tokens, answers } = tokenService();
    const w = waiters(tokens);
    const a = await f.pool.acquire('us', 'busy-1');
    const b = await f.pool.acquire('us', 'busy-2');
    await w.register(waiter('first', T0 + 1));
    await w.register(waiter('second', T0 + 2));
    await Promise.all([f.pool.release(a, 'success'), f.pool.release(b, 'success')]);
    await Promise.all([w.handOffIp(releasedIp(a)), w.handOffIp(releasedIp(b))]);
    await w.sweep(['us']);
    expect(answers.map((x) => x.token).sort()).toEqual(['token-first', 'token-second']);
    const owners = [(await f.item(a.ipId)).leaseOwner, (await f.item(b.ipId)).leaseOwner].sort();
    expect(owners).toEqual(['first', 'second']);
  });
});
