/**
 * The redirect destination: the offer's redirectUrl with the passthrough parameters merged in.
 * The click's value wins over a same-named parameter already in the offer URL (a fresh gclid
 * must replace a placeholder). URL serialisation percent-encodes everything, so nothing the
 * client sent can change the scheme, host or path.
 */
export function buildRedirectUrl(redirectUrl: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(redirectUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
