/** The bot-skip counter (off the click's critical path, coalesced, infallible) and the trace list's hint. */
import { isbot } from 'isbot';
import { BotSkipCounter, botSkipsKey, hourBucket, type BotSkipStore } from '../../../lambdas/click/bot-skips';
import { BROWSER_USER_AGENT, botSkipHint } from '../../../lambdas/traces/bot-skip-hint';
import { isAutomatedClick } from '../../../lambdas/click/click-context';
import { demoCommands } from '../../../local/demo';

const T = Date.parse('2026-11-23T14:59:59.500Z');

/** A store whose writes finish when the test says so. */
function gatedStore() {
  const writes: { offerId: string; hour: string; count: number; expiresAt: number }[] = [];
  const gates: (() => void)[] = [];
  const store: BotSkipStore = {
    add: (offerId, hour, count, expiresAt) =>
      new Promise<void>((resolve) => {
        writes.push({ offerId, hour, count, expiresAt });
        gates.push(resolve);
      }),
  };
  const release = () => gates.splice(0).forEach((open) => open());
  return { store, writes, release };
}

describe('BotSkipCounter', () => {
  it('writes nothing before the click has answered, then one ADD per offer and hour', async () => {
    const { store, writes, release } = gatedStore();
    const counter = new BotSkipCounter(store);
    counter.record('shoes', T);
    counter.record('shoes', T);
    counter.record('bags', T);
    counter.record('shoes', T + 1000); // the next hour
    expect(writes).toEqual([]); // record() only counted
    await new Promise((r) => setImmediate(r));
    release();
    await counter.settled();
    expect(writes).toEqual([
      { offerId: 'shoes', hour: '2026-11-23T14', count: 2, expiresAt: Math.floor(T / 1000) + 2 * 86_400 },
      { offerId: 'bags', hour: '2026-11-23T14', count: 1, expiresAt: Math.floor(T / 1000) + 2 * 86_400 },
      { offerId: 'shoes', hour: '2026-11-23T15', count: 1, expiresAt: Math.floor((T + 1000) / 1000) + 2 * 86_400 },
    ]);
  });

  it('keeps one write in flight: skips meanwhile are summed into the next one', async () => {
    const { store, writes, release } = gatedStore();
    const counter = new BotSkipCounter(store);
    counter.record('shoes', T);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    for (let i = 0; i < 50; i++) counter.record('shoes', T);
    expect(writes).toHaveLength(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(writes.map((w) => w.count)).toEqual([1, 50]);
    release();
    await counter.settled();
    expect(writes).toHaveLength(2);
  });

  it('never throws into the click: a failed write is reported with the count it lost, and counting goes on', async () => {
    const lost: number[] = [];
    let fail = true;
    const adds: number[] = [];
    const counter = new BotSkipCounter(
      {
        add: async (_o, _h, count) => {
          if (fail) throw new Error('ProvisionedThroughputExceededException');
          adds.push(count);
        },
      },
      (_error, n) => lost.push(n),
    );
    expect(() => counter.record('shoes', T)).not.toThrow();
    counter.record('shoes', T);
    await counter.settled();
    expect(lost).toEqual([2]);
    fail = false;
    counter.record('shoes', T);
    await counter.settled();
    expect(adds).toEqual([1]);
  });

  it('names its Ops item by hour and offer', () => {
    expect(hourBucket(T)).toBe('2026-11-23T14');
    expect(botSkipsKey('2026-11-23T14', 'shoes')).toEqual({ pk: 'botskips#2026-11-23T14', sk: 'shoes' });
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
