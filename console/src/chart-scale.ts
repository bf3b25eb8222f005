/**
 * The arithmetic of the console's charts (plain SVG): a rounded top for the value axis and its
 * ticks, and the hour labels. Pure, so the charts' numbers are tested without a browser.
 */

/** The axis top and step: the smallest 1, 2 or 5 × 10ⁿ step giving at most `maxTicks` steps above `max`. */
export function niceScale(max: number, maxTicks = 4): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 1 };
  const rough = max / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  // Counts are whole: an axis of 0, 0.5, 1 for a maximum of 1 would show half clicks.
  const whole = Math.max(1, step);
  return { top: Math.ceil(max / whole) * whole, step: whole };
}

/** The tick values from 0 to the top. */
export function ticks(scale: { top: number; step: number }): number[] {
  const out: number[] = [];
  for (let v = 0; v <= scale.top + 1e-9; v += scale.step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** An hour as the axis shows it: `13:00`, with the date at midnight (`12-03`) and on the first bar. */
export function hourLabel(hour: string, first: boolean): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})/.exec(hour);
  if (!m) return hour;
  return first || m[4] === '00' ? `${m[2]}-${m[3]} ${m[4]}h` : `${m[4]}h`;
}

/** Which of `count` labels to print so that they do not overlap: every n-th, n from the room there is. */
export function labelEvery(count: number, widthPx: number, labelPx = 52): number {
  if (count <= 0) return 1;
  return Math.max(1, Math.ceil((count * labelPx) / Math.max(widthPx, labelPx)));
}
