/** The container's token bookkeeping: markers out with the next batch, tokens shed only after. */
import { TokenCleanup } from '../../../lambdas/analytics/token-cleanup';
import { tokenAttr } from '../../../lambdas/analytics/keys';

const marker = (token: string, groups = ['a|1', 'b|1']) => ({ token, groups, expiresAt: 1 });

test("a batch's tokens may be removed only once its marker has landed", () => {
  const cleanup = new TokenCleanup();
  cleanup.batchApplied(marker('T1'));
  expect(cleanup.removalsFor('a|1')).toEqual([]);
  const [m] = cleanup.takeMarkers();
  expect(cleanup.takeMarkers()).toEqual([]);
  cleanup.markerLanded(m!);
  expect(cleanup.removalsFor('a|1')).toEqual([tokenAttr('T1')]);
  cleanup.removed('a|1', [tokenAttr('T1')]);
  expect(cleanup.removalsFor('a|1')).toEqual([]);
  expect(cleanup.removalsFor('b|1')).toEqual([tokenAttr('T1')]);
});

test('a marker that failed to land goes out again with the next batch; its tokens stay', () => {
  const cleanup = new TokenCleanup();
  cleanup.batchApplied(marker('T1'));
  cleanup.markerFailed(cleanup.takeMarkers()[0]!);
  expect(cleanup.removalsFor('a|1')).toEqual([]);
  expect(cleanup.takeMarkers().map((m) => m.token)).toEqual(['T1']);
});

test('removal forgets only the attributes it removed', () => {
  const cleanup = new TokenCleanup();
  for (const t of ['T1', 'T2']) cleanup.markerLanded(marker(t, ['a|1']));
  cleanup.removed('a|1', [tokenAttr('T1')]);
  expect(cleanup.removalsFor('a|1')).toEqual([tokenAttr('T2')]);
});

test('bounded: at most 20 markers wait, oldest dropped first', () => {
  const cleanup = new TokenCleanup();
  for (let i = 0; i < 25; i++) cleanup.batchApplied(marker(`T${i}`));
  const waiting = cleanup.takeMarkers().map((m) => m.token);
  expect(waiting).toHaveLength(20);
  expect(waiting[0]).toBe('T5');
});
