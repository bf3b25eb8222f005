import { diff, fingerprint, stepDrift, type DriftState, type LatestTrace } from '../../../lambdas/ops/trace-drift';

const policy = { adoptAfterTraces: 3, adoptAfterMs: 60_000 };
const trace = (traceId: string, finalUrl: string, statusAt: number, params?: Record<string, string>): LatestTrace => ({
  offerId: 'o1',
  traceId,
  finalUrl,
  statusAt,
  params,
});

/** Feeds traces through stepDrift as the store would, returning the findings per step. */
function run(traces: LatestTrace[], start?: DriftState) {
  let state = start;
  return traces.map((t) => {
    const step = stepDrift(state, t, policy);
    if (step.next) state = step.next;
    return { finding: step.finding?.changes.join('+') ?? null, good: state?.good.landing };
  });
}

describe('fingerprint', () => {
  it('is origin + path and the sorted parameter names, values ignored', () => {
    expect(fingerprint('https://Shop.example:443/land?b=2&a=1&gclid=x#top')).toEqual({ landing: 'https://shop.example/land', params: ['a', 'b', 'gclid'] });
    expect(fingerprint('https://shop.example/land?a=9', { c: '1' })).toEqual({ landing: 'https://shop.example/land', params: ['a', 'c'] });
    expect(fingerprint('not a url')).toBeUndefined();
  });

  it('diff names what changed', () => {
    const a = fingerprint('https://a.example/x?p=1')!;
    expect(diff(a, fingerprint('https://a.example/x?p=2')!)).toEqual([]);
    expect(diff(a, fingerprint('https://a.example/y?p=1')!)).toEqual(['landing']);
    expect(diff(a, fingerprint('https://a.example/x?q=1')!)).toEqual(['params']);
    expect(diff(a, fingerprint('https://b.example/x')!)).toEqual(['landing', 'params']);
  });
});

describe('stepDrift', () => {
  it('takes the first good trace as the baseline, reports nothing', () => {
    expect(run([trace('t1', 'https://a.example/x?p=1', 0)])).toEqual([{ finding: null, good: 'https://a.example/x' }]);
  });

  it('same page with other parameter values: no drift', () => {
    expect(run([trace('t1', 'https://a.example/x?p=1', 0), trace('t2', 'https://a.example/x?p=2', 1)]).map((r) => r.finding)).toEqual([null, null]);
  });

  it('reports a changed landing page or parameter names', () => {
    const r = run([trace('t1', 'https://a.example/x?p=1', 0), trace('t2', 'https://b.example/x?p=1', 1), trace('t3', 'https://a.example/x?q=1', 2)]);
    expect(r.map((x) => x.finding)).toEqual([null, 'landing', 'params']);
  });

  it('a blip clears when the known page comes back', () => {
    const r = run([trace('t1', 'https://a.example/x', 0), trace('t2', 'https://b.example/y', 1), trace('t3', 'https://a.example/x', 2)]);
    expect(r.map((x) => x.finding)).toEqual([null, 'landing', null]);
  });

  it('the same trace seen by several checks counts once', () => {
    const t2 = trace('t2', 'https://b.example/y', 1);
    let state = stepDrift(undefined, trace('t1', 'https://a.example/x', 0), policy).next;
    const first = stepDrift(state, t2, policy);
    state = first.next;
    const again = stepDrift(state, t2, policy);
    expect(again.finding).toBeDefined();
    expect(again.next).toBeUndefined();
  });

  it('adopts a new page seen on enough distinct traces over enough time: the drift clears', () => {
    const r = run([
      trace('t1', 'https://a.example/x', 0),
      trace('t2', 'https://b.example/y', 1_000),
      trace('t3', 'https://b.example/y', 2_000),
      trace('t4', 'https://b.example/y', 3_000), // 3 traces, but only 2 s apart: still drift
      trace('t5', 'https://b.example/y', 70_000), // 61 s after the first: adopted
      trace('t6', 'https://b.example/y', 80_000),
    ]);
    expect(r.map((x) => x.finding)).toEqual([null, 'landing', 'landing', 'landing', null, null]);
    expect(r[4]!.good).toBe('https://b.example/y');
  });

  it('ignores a trace whose final URL cannot be parsed', () => {
    expect(stepDrift(undefined, trace('t1', '::', 0), policy)).toEqual({});
  });
});
