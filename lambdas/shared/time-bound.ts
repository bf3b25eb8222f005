/**
 * A time an operator types into an admin query: an ISO 8601 date or date-time, epoch milliseconds,
 * or a duration back from now (`90s`, `30m`, `6h`, `2d`). One reading for every admin route that
 * takes a range, so `--from 6h` means the same to each command.
 */
const DURATION = /^(\d{1,6})(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Epoch ms, or undefined when the text is none of the accepted forms (the caller words the 400). */
export function readTimeBound(value: string | number, now: number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  const v = value.trim();
  const ago = DURATION.exec(v);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
  if (/^\d{10,16}$/.test(v)) return Number(v);
  // Full ISO dates only: Date.parse also takes `1` or `March 7`, which would surprise.
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}
