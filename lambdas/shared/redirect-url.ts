/**
 * The redirect destination: the offer's redirectUrl exactly as the operator wrote it, with only the
 * passthrough parameters added or replaced, by name. Nothing else is re-serialised: a `{clickid}`
 * macro, `%20`, the order of the offer's own parameters and a fragment all stay as written (a URL
 * parser would re-encode them, and affiliate networks match their macros literally).
 *
 * Only what the click adds is encoded, with encodeURIComponent, so nothing the client sent can
 * change the scheme, host, path or fragment.
 */
export function buildRedirectUrl(redirectUrl: string, params: Readonly<Record<string, string>>): string {
  const written = printable(redirectUrl);
  const entries = Object.entries(params);
  if (!entries.length) return written;

  const hashAt = written.indexOf('#');
  const beforeHash = hashAt < 0 ? written : written.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : written.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const segments = queryAt < 0 ? [] : beforeHash.slice(queryAt + 1).split('&');
  // A query written as `?` alone or ending in `&`: the added parameters follow without an empty one between.
  if (segments.at(-1) === '') segments.pop();

  const pending = new Map(entries);
  const out: string[] = [];
  for (const segment of segments) {
    const name = segmentName(segment);
    if (name === undefined || !Object.hasOwn(params, name)) out.push(segment);
    else if (pending.has(name)) {
      out.push(pair(name, pending.get(name)!));
      pending.delete(name);
    } // else: a repeat of a name already replaced, dropped so the click's value is the only one
  }
  for (const [name, value] of pending) out.push(pair(name, value));
  return `${base}?${out.join('&')}${fragment}`;
}

const pair = (name: string, value: string) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;

/** The decoded name of a `name=value` segment (`+` is a space in a query); undefined for an empty segment. */
function segmentName(segment: string): string | undefined {
  if (segment === '') return undefined;
  const eq = segment.indexOf('=');
  const raw = (eq < 0 ? segment : segment.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a stray `%` in the operator's URL: compare it as written
  }
}

/**
 * A Location header carries printable ASCII only. Offers are validated as URLs, which tolerates
 * spaces and non-ASCII characters a browser would encode; those few characters, and only those,
 * are percent-encoded as the browser would do (UTF-8).
 */
function printable(url: string): string {
  return /[^\x21-\x7e]/.test(url) ? url.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) : url;
}
