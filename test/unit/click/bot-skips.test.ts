/** The bot-skip counter (off the click's critical path, one PutItem of a running total per interval, infallible) and the trace list's hint. */
import { isbot } from 'isbot';
import { BotSkipCounter, botSkipsKey, hourBucket, type BotSkipCount, type BotSkipStore } from '../../../lambdas/click/bot-skips';
import { BROWSER_USER_AGENT, botSkipHint } from '../../../lambdas/traces/bot-skip-hint';
import { isAutomatedClick } from '../../../lambdas/click/click-context';
import { demoCommands } from '../../../local/demo';

const T = Date.parse('2026-11-23T14:59:59.500Z');
const EXPIRES_14 = Date.parse('2026-11-23T14:00:00Z') / 1000 + 2 * 86_400;
const EXPIRES_15 = Date.parse('2026-11-23T15:00:00Z') / 1000 + 2 * 86_400;

/** A store whose writes finish when the test says so. */
function gatedStore() {
  const writes: BotSkipCount[] = [];
  const gates: (() => void)[] = [];
  const store: BotSkipStore = {
    put: (count) =>
      new Promise<void>((resolve) => {
        writes.push(count);
        gates.push(resolve);
      }),
  };
  const release = () => gates.splice(0).forEach((open) => open());
  return { store, writes, release };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('BotSkipCounter', () => {
  it("writes nothing before the click has answered, then this environment's running total per offer and hour", async () => {
    const { store, writes, release } = gatedStore();
    const counter = new BotSkipCounter(store, { instanceId: 'i1' });
    counter.record('shoes', T);
    counter.record('shoes', T);
    counter.record('bags', T);
    counter.record('shoes', T + 1000); // the next hour
    expect(writes).toEqual([]); // record() only counted
    await tick();
    release();
    await counter.settled();
    expect(writes).toEqual([
      { offerId: 'shoes', hour: '2026-11-23T14', instanceId: 'i1', skipped: 2, expiresAt: EXPIRES_14 },
      { offerId: 'bags', hour: '2026-11-23T14', instanceId: 'i1', skipped: 1, expiresAt: EXPIRES_14 },
      { offerId: 'shoes', hour: '2026-11-23T15', instanceId: 'i1', skipped: 1, expiresAt: EXPIRES_15 },
    ]);
  });

  it('writes at most once per interval: skips meanwhile go out with the next write, as the new total', async () => {
    const { store, writes, release } = gatedStore();
    let now = T;
    const counter = new BotSkipCounter(store, { instanceId: 'i1', flushIntervalMs: 50, clock: () => now });
    counter.record('shoes', T);
    await tick();
    expect(writes.map((w) => w.skipped)).toEqual([1]);
    release();
    for (let i = 0; i < 50; i++) counter.record('shoes', T);
    await tick(10);
    expect(writes).toHaveLength(1); // the interval has not passed
    now += 50;
    await tick(60);
    expect(writes.map((w) => w.skipped)).toEqual([1, 51]);
    release();
    await counter.settled();
    expect(writes).toHaveLength(2);
  });

  it('never throws into the click; a failed write is made good by the next, which carries the whole total', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const puts: number[] = [];
    const counter = new BotSkipCounter(
      {
        put: async (count) => {
          if (fail) throw new Error('ProvisionedThroughputExceededException');
          puts.push(count.skipped);
        },
      },
      { instanceId: 'i1', flushIntervalMs: 0, onError: (error) => errors.push(error) },
    );
    expect(() => counter.record('shoes', T)).not.toThrow();
    counter.record('shoes', T);
    await tick(5);
    expect(errors.length).toBeGreaterThan(0);
    fail = false;
    counter.record('shoes', T);
    await counter.settled();
    expect(puts.at(-1)).toBe(3);
  });

  it("names each environment's item by hour, offer and instance", () => {
    expect(hourBucket(T)).toBe('2026-11-23T14');
    expect(botSkipsKey('2026-11-23T14', 'shoes', 'i1')).toEqual({ pk: 'botskips#2026-11-23T14', sk: 'shoes#i1' });
  });
});

describe('the printed demo click and the hint', () => {
  it("send a browser's User-Agent, which the click path traces (curl's own is a bot's)", () => {
    expect(isAutomatedClick('GET', BROWSER_USER_AGENT)).toBe(false);
    expect(isAutomatedClick('GET', 'curl/8.5.0')).toBe(true);
    const { click } = demoCommands('http://127.0.0.1:3000', 'local');
    const ua = /^curl -i -A '([^']+)' "http:\/\/127\.0\.0\.1:3000\/c\/demo\?gclid=test-gclid-123&utm_source=google"$/.exec(click)?.[1];
    expect(ua).toBe(BROWSER_USER_AGENT);
    expect(isbot(ua)).toBe(false);
  });

  it('says how many clicks were skipped, since when, why, and how to send a traced one', () => {
    const hint = botSkipHint({ count: 3, since: '2026-11-23T13:00:00.000Z' }, 'demo');
    expect(hint).toMatch(/^3 clicks on offer demo since 13:00 UTC were redirected but not traced: /);
    expect(hint).toContain('curl');
    expect(hint).toContain(`curl -A '${BROWSER_USER_AGENT}'`);
    expect(botSkipHint({ count: 1, since: '2026-11-23T13:00:00.000Z' })).toMatch(/^1 click since 13:00 UTC was redirected/);
  });
});
