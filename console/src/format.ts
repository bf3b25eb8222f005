/**
 * How the console writes numbers, times and sizes. Times are UTC, as the CLI prints them and the
 * API's hours are counted, so what an operator reads here matches `tracepool` and the logs.
 */
const NONE = '–';

type Maybe = number | null | undefined;
const missing = (n: Maybe): n is null | undefined => n === null || n === undefined || Number.isNaN(n);

/** A count with thousands separators. */
export const formatCount = (n: Maybe): string => (missing(n) ? NONE : Math.round(n).toLocaleString('en-US'));

/** `1 IP`, `3 IPs`: a count and its noun (plural with an s). */
export const plural = (n: number, noun: string): string => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;

/** A percentage already in percent (97.5 → "97.5 %"); one decimal unless whole. */
export function formatPct(pct: Maybe): string {
  if (missing(pct)) return NONE;
  const rounded = Math.round(pct * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} %`;
}

/** A ratio 0..1 as a percentage. */
export const formatRate = (rate: Maybe): string => (missing(rate) ? NONE : formatPct(rate * 100));

/** A duration: ms under a second, seconds under a minute, minutes under an hour, hours under two days, then days. */
export function formatMs(ms: Maybe): string {
  if (missing(ms)) return NONE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** Bytes in binary units (KB = 1024 B), as the CLI prints them. */
export function formatBytes(n: Maybe): string {
  if (missing(n)) return NONE;
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[i]}`;
}

const toMs = (at: number | string): number => (typeof at === 'number' ? at : Date.parse(at));

/** A moment as `2026-12-02 13:05:09 UTC` (seconds only when asked for). */
export function formatUtc(at: number | string | null | undefined, options: { seconds?: boolean } = {}): string {
  if (at === null || at === undefined) return NONE;
  const ms = toMs(at);
  if (Number.isNaN(ms)) return NONE;
  return `${new Date(ms)
    .toISOString()
    .slice(0, options.seconds ? 19 : 16)
    .replace('T', ' ')} UTC`;
}

/** How long ago, coarsely: "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (or "in …"). */
export function formatAgo(at: number | string | null | undefined, now: number): string {
  if (at === null || at === undefined) return NONE;
  const ms = toMs(at);
  if (Number.isNaN(ms)) return NONE;
  const diff = now - ms;
  const abs = Math.abs(diff);
  if (abs < 2000) return 'just now';
  const [value, unit] =
    abs < 60_000
      ? [Math.floor(abs / 1000), 's']
      : abs < 3_600_000
        ? [Math.floor(abs / 60_000), 'min']
        : abs < 86_400_000
          ? [Math.floor(abs / 3_600_000), 'h']
          : [Math.floor(abs / 86_400_000), 'd'];
  return diff >= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** A status or type token for reading: `dead_lettered` → `dead lettered`. */
export const humanize = (token: string): string => token.replace(/[_-]+/g, ' ');

/** The same as a heading or a label: `dead_lettered` → `Dead lettered`. */
export const sentence = (token: string): string => {
  const words = humanize(token);
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** A two-letter country code as written on the pool (`us` → `US`); `auto` and `any` stay words. */
export const formatCountry = (cc: string): string => (/^[a-z]{2}$/i.test(cc) ? cc.toUpperCase() : cc);

/** A long string cut to `max` characters with an ellipsis. */
export const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Durations back from now the filters offer, as the API reads them (`since=24h`). */
export const SINCE_CHOICES: readonly { readonly value: string; readonly label: string }[] = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
];
