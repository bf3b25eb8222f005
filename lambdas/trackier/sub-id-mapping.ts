/**
 * Traced parameters → a pair's sub-id fields, and the URL2 destination built from them.
 *
 * URL2 (the outbound campaign) is pointed at the traced final URL — the landing page with the
 * fresh parameters the affiliate chain produced — with the mapped values written into the sub1…
 * sub10 query parameters (replacing same-named ones). sub_id_values records what was written.
 */
import { SUB_FIELDS, type SubField, type SubIdMapping } from './pair';

export const MAX_SUB_VALUE_LENGTH = 512;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** For each mapped sub field, the first candidate parameter that has a usable value. */
export function mapSubIds(params: Readonly<Record<string, string | undefined>>, mapping: SubIdMapping): Partial<Record<SubField, string>> {
  const values: Partial<Record<SubField, string>> = {};
  for (const field of SUB_FIELDS) {
    for (const name of mapping[field] ?? []) {
      const value = params[name];
      if (value === undefined || value === '' || value.length > MAX_SUB_VALUE_LENGTH || CONTROL.test(value)) continue;
      values[field] = value;
      break;
    }
  }
  return values;
}

/** An absolute http(s) URL without credentials, or undefined. */
export function safeHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
    return url;
  } catch {
    return undefined;
  }
}

/** The URL2 destination: the final URL with the sub values set. Undefined for a non-web final URL. */
export function url2Destination(finalUrl: string, values: Partial<Record<SubField, string>>): string | undefined {
  const url = safeHttpUrl(finalUrl);
  if (!url) return undefined;
  for (const field of SUB_FIELDS) {
    const value = values[field];
    if (value !== undefined) url.searchParams.set(field, value);
  }
  return url.toString();
}
