import { SettleWatch, timerTrackerSource } from '../../../lambdas/tracer/page-settle';

function watch() {
  let now = 0;
  const clock = { now: () => now };
  const w = new SettleWatch(clock, { quietMs: 50, horizonMs: 5_000, maxRefreshWaitS: 10, navigationGraceMs: 2_000 });
  return { w, at: (t: number) => void (now = t) };
}

describe('a page settles on events, not on a fixed wait', () => {
  test('loaded and quiet: settled after the quiet time, not before', () => {
    const { w, at } = watch();
    w.navigationStarted();
    at(20);
    w.documentCommitted();
    at(40);
    w.loadFired();
    at(80);
    expect(w.settled(0)).toBe(false);
    at(90);
    expect(w.settled(0)).toBe(true);
    expect(w.settled(1)).toBe(false); // a navigation request still waiting for its answer
  });

  test('quietAt: the earliest a loaded page can settle, moved on by every event', () => {
    const { w, at } = watch();
    w.documentCommitted();
    at(40);
    w.loadFired();
    expect(w.quietAt()).toBe(90);
    at(89);
    expect(w.settled(0)).toBe(false);
    w.requestStarted('r1');
    expect(w.quietAt()).toBe(139);
    at(100);
    w.requestEnded('r1');
    expect(w.quietAt()).toBe(150);
    at(150);
    expect(w.settled(0)).toBe(true);
  });

  test('not loaded, or a request in flight: waits, but no longer than the horizon', () => {
    const { w, at } = watch();
    w.documentCommitted();
    at(1_000);
    expect(w.settled(0)).toBe(false);
    w.loadFired();
    w.requestStarted('r1');
    at(2_000);
    expect(w.settled(0)).toBe(false);
    w.requestEnded('r1');
    at(2_100);
    expect(w.settled(0)).toBe(true);
    w.requestStarted('poll');
    at(5_100);
    expect(w.settled(0)).toBe(true); // past the horizon: a request that never ends does not hold the trace
  });

  test('a scheduled refresh is waited for when short, ignored when long', () => {
    const { w, at } = watch();
    w.documentCommitted();
    w.loadFired();
    w.navigationScheduled(1);
    at(2_000);
    expect(w.settled(0)).toBe(false);
    at(3_100);
    expect(w.settled(0)).toBe(true);
    w.navigationScheduled(30);
    at(3_200);
    expect(w.settled(0)).toBe(true);
  });

  test('a requested navigation holds until its request starts (or the grace ends: a refused one)', () => {
    const { w, at } = watch();
    w.documentCommitted();
    w.loadFired();
    w.navigationRequested();
    at(1_000);
    expect(w.settled(0)).toBe(false);
    w.navigationStarted();
    expect(w.settled(1)).toBe(false);
    at(2_100);
    w.documentCommitted();
    w.loadFired();
    at(2_200);
    expect(w.settled(0)).toBe(true);
  });

  test('short timers hold until the tracker says they fired; polling stops counting at the horizon', () => {
    const { w, at } = watch();
    w.documentCommitted();
    w.loadFired();
    w.timersPending(200);
    at(300);
    expect(w.settled(0)).toBe(false); // due, but not reported fired: its callback may be navigating
    w.timersPending(0);
    at(400);
    expect(w.settled(0)).toBe(true);
    at(4_950);
    w.timersPending(100); // a page that polls forever
    at(5_100);
    expect(w.settled(0)).toBe(true);
  });

  test('the tracker script names its binding and horizon', () => {
    const src = timerTrackerSource('__tp_x', 3000);
    expect(src).toContain('"__tp_x"');
    expect(src).toContain('const HORIZON = 3000;');
    expect(() => new Function(src)).not.toThrow();
  });
});
