/**
 * An offer's resolution history: a compact timeline of the DISTINCT landings its completed traces
 * resolved to, kept 400 days (the traces themselves live 7). Pure rules here; the Ops table
 * adapter is offer-history-store.ts.
 *
 * Volatile parameters — dropped from the landing and from the comparison, their names kept:
 * - by name (case-insensitive): the click ids the tracer tracks (STANDARD_CLICK_IDS), the offer's
 *   own passthrough names (its clickIdParams), and other networks' well-known per-click ids
 *   (VOLATILE_NAMES);
 * - by value: a value that is obviously per click whatever its name — a UUID, a 10- or 13-digit
 *   epoch timestamp, or a token of 20+ URL-safe characters mixing letters and digits.
 * Everything else (utm_*, campaign, language, …) is part of the resolution: a change of its value
 * is a change of what the offer resolves to. The fragment is dropped (client-side state).
 */
import { createHash } from 'node:crypto';
import { STANDARD_CLICK_IDS } from '../tracer/click-ids';

/** 400 days: long after the traces (7 days) are gone, a year of an offer's landings stays. */
export const HISTORY_RETENTION_DAYS = 400;

/** Per-click ids of networks and trackers the tracer does not track by name. */
export const VOLATILE_NAMES: readonly string[] = [
  ...STANDARD_CLICK_IDS,
  'dclid',
  'yclid',
  'twclid',
  'li_fat_id',
  'irclickid',
  'clickid',
  'click_id',
  'transaction_id',
  'epik',
  '_gl',
  '_ga',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EPOCH = /^\d{10}(\d{3})?$/;
const TOKEN = /^[A-Za-z0-9_\-.~]{20,}$/;

export function isVolatileParam(name: string, value: string, extraNames: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  if (VOLATILE_NAMES.includes(lower) || extraNames.some((n) => n.toLowerCase() === lower)) return true;
  if (UUID.test(value) || EPOCH.test(value)) return true;
  return TOKEN.test(value) && /[A-Za-z]/.test(value) && /\d/.test(value);
}

/** A landing reduced to what identifies it. */
export interface Resolution {
  /** The final URL without volatile parameters (stable ones sorted) and without its fragment. */
  readonly landing: string;
  /** Every parameter name of the final URL, sorted (volatile ones too: names do not vary per click). */
  readonly paramNames: readonly string[];
  /** The stable parameters' values: what a later entry's `changed` is computed against. */
  readonly stable: Readonly<Record<string, string>>;
  /** Short hash of landing + names: equal resolutions have equal keys. */
  readonly key: string;
}

/** undefined when the URL cannot be parsed: no history entry for it. */
export function resolutionOf(finalUrl: string, params: Readonly<Record<string, string>> = {}, extraNames: readonly string[] = []): Resolution | undefined {
  let url: URL;
  try {
    url = new URL(finalUrl);
  } catch {
    return undefined;
  }
  const all = new Map<string, string>(Object.entries(params));
  for (const [k, v] of url.searchParams) if (!all.has(k)) all.set(k, v);
  const stable: Record<string, string> = {};
  for (const [k, v] of [...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (!isVolatileParam(k, v, extraNames)) stable[k] = v;
  const base = new URL(url.href);
  base.hash = '';
  base.search = new URLSearchParams(stable).toString();
  const landing = base.href;
  const paramNames = [...all.keys()].sort();
  const key = createHash('sha256')
    .update(`${landing}\n${paramNames.join('&')}`)
    .digest('hex')
    .slice(0, 16);
  return { landing, paramNames, stable, key };
}

/** A stable parameter's value before and after (absent on one side: added or removed). */
export interface ChangedValue {
  readonly from?: string;
  readonly to?: string;
}

/** The stable values that differ between the previous entry and this resolution. */
export function changedValues(previous: Readonly<Record<string, string>> | undefined, next: Readonly<Record<string, string>>): Record<string, ChangedValue> {
  if (!previous) return {};
  const out: Record<string, ChangedValue> = {};
  for (const name of [...new Set([...Object.keys(previous), ...Object.keys(next)])].sort()) {
    const from = previous[name];
    const to = next[name];
    if (from !== to) out[name] = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  }
  return out;
}

/** One entry of the timeline, as stored and served. */
export interface HistoryEntry {
  readonly offerId: string;
  readonly key: string;
  readonly landing: string;
  readonly paramNames: readonly string[];
  readonly stable: Readonly<Record<string, string>>;
  /** Against the entry before it; empty on the first entry or when only the path/names changed. */
  readonly changed: Readonly<Record<string, ChangedValue>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly count: number;
  readonly lastTraceId: string;
  readonly mode?: string;
}

/** What a completed trace contributes. */
export interface ResolvedTrace {
  readonly offerId: string;
  readonly traceId: string;
  readonly finalUrl: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly mode?: string;
  /** The offer's passthrough names: volatile for this offer. */
  readonly clickIdParams?: readonly string[];
  readonly at: number;
}

/** The step one trace takes on the timeline: bump the newest entry, or start a new one. */
export type HistoryStep =
  | { readonly kind: 'bump'; readonly firstSeen: number; readonly key: string }
  | { readonly kind: 'start'; readonly resolution: Resolution; readonly changed: Record<string, ChangedValue> };

export function nextStep(latest: Pick<HistoryEntry, 'key' | 'firstSeen' | 'stable'> | undefined, resolution: Resolution): HistoryStep {
  // The key covers the landing with its stable values and the names: equal keys, same resolution.
  if (latest && latest.key === resolution.key) return { kind: 'bump', firstSeen: latest.firstSeen, key: latest.key };
  return { kind: 'start', resolution, changed: changedValues(latest?.stable, resolution.stable) };
}
