// What the console says about traces: statuses as the server has them, click ids per hop.
import { clickIdsPerHop, isFinal, isRequeueable, REQUEUEABLE_STATUSES, TRACE_STATUSES } from '../../../console/src/traces';
import * as server from '../../../lambdas/traces/trace-record';

it('knows the statuses the server has', () => {
  expect([...TRACE_STATUSES]).toEqual([...server.TRACE_STATUSES]);
  expect([...REQUEUEABLE_STATUSES]).toEqual([...server.REQUEUEABLE_STATUSES]);
  expect(server.TRACE_STATUSES.filter(isFinal)).toEqual(server.TRACE_STATUSES.filter((s) => !server.ACTIVE_STATUSES.includes(s)));
  expect(['failed', 'dead_lettered', 'timeout', 'completed', 'running'].map(isRequeueable)).toEqual([true, true, true, false, false]);
});

it('says per hop which click ids it carried and which it dropped', () => {
  const hop = { url: 'https://x.example/', status: 302, kind: 'http' as const, ms: 1 };
  const ids = clickIdsPerHop({
    hops: [hop, hop, hop, hop],
    clickIds: { tracked: ['gclid', 'sub1'], perHop: [['gclid'], ['gclid', 'sub1'], ['sub1'], []], survived: [], lost: ['gclid', 'sub1'] },
  });
  expect(ids).toEqual([
    { present: ['gclid'], dropped: [] },
    { present: ['gclid', 'sub1'], dropped: [] },
    { present: ['sub1'], dropped: ['gclid'] },
    { present: [], dropped: ['gclid', 'sub1'] },
  ]);
  expect(clickIdsPerHop({ hops: [hop] })).toEqual([{ present: [], dropped: [] }]);
});
