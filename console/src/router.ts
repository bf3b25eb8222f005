/**
 * The console's routes: real paths under /console (the Console function answers each with the
 * page), so a page can be bookmarked, reloaded and opened in a new tab. Pure: parsing a location
 * and writing one back; navigation itself lives in navigation.ts.
 */
export const BASE = '/console';

/** Filters of the trace list, as its query string carries them. */
export interface TraceFilters {
  readonly offerId?: string;
  readonly status?: string;
  /** A duration back from now: 1h, 24h, 7d (the list shows traces created since). */
  readonly since?: string;
}

export type Route =
  | { readonly page: 'overview' }
  | { readonly page: 'offers' }
  | { readonly page: 'offer'; readonly offerId: string }
  | { readonly page: 'traces'; readonly filters: TraceFilters }
  | { readonly page: 'trace'; readonly traceId: string }
  | { readonly page: 'pool' }
  | { readonly page: 'alerts' }
  | { readonly page: 'trackier'; readonly offerId?: string }
  | { readonly page: 'analytics'; readonly campaignId?: string }
  | { readonly page: 'not-found'; readonly path: string };

export type Page = Route['page'];

/** The navigation, in its order; each entry is current on its own page and the pages under it. */
export const NAV: readonly { readonly label: string; readonly route: Route; readonly pages: readonly Page[] }[] = [
  { label: 'Overview', route: { page: 'overview' }, pages: ['overview'] },
  { label: 'Offers', route: { page: 'offers' }, pages: ['offers', 'offer'] },
  { label: 'Traces', route: { page: 'traces', filters: {} }, pages: ['traces', 'trace'] },
  { label: 'Pool', route: { page: 'pool' }, pages: ['pool'] },
  { label: 'Alerts', route: { page: 'alerts' }, pages: ['alerts'] },
  { label: 'Trackier', route: { page: 'trackier' }, pages: ['trackier'] },
  { label: 'Analytics', route: { page: 'analytics' }, pages: ['analytics'] },
];

const decode = (part: string): string | undefined => {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
};

const param = (search: URLSearchParams, name: string): string | undefined => {
  const value = search.get(name)?.trim();
  return value ? value : undefined;
};

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The route a location names. */
export function parseRoute(pathname: string, search = ''): Route {
  const query = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, '');
  if (path !== BASE && !path.startsWith(`${BASE}/`)) return { page: 'not-found', path: pathname };
  const parts = path.slice(BASE.length).split('/').filter(Boolean).map(decode);
  if (parts.some((p) => p === undefined)) return { page: 'not-found', path: pathname };
  const [section, id, ...rest] = parts as string[];
  if (rest.length) return { page: 'not-found', path: pathname };
  switch (section) {
    case undefined:
      return { page: 'overview' };
    case 'offers':
      return id === undefined ? { page: 'offers' } : { page: 'offer', offerId: id };
    case 'traces':
      if (id !== undefined) return { page: 'trace', traceId: id };
      return { page: 'traces', filters: defined({ offerId: param(query, 'offer'), status: param(query, 'status'), since: param(query, 'since') }) };
    case 'pool':
    case 'alerts':
      return id === undefined ? { page: section } : { page: 'not-found', path: pathname };
    case 'trackier':
      return id === undefined ? defined({ page: 'trackier' as const, offerId: param(query, 'offer') }) : { page: 'not-found', path: pathname };
    case 'analytics':
      return id === undefined ? defined({ page: 'analytics' as const, campaignId: param(query, 'campaign') }) : { page: 'not-found', path: pathname };
    default:
      return { page: 'not-found', path: pathname };
  }
}

const withQuery = (path: string, params: Record<string, string | undefined>): string => {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
  return query ? `${path}?${query}` : path;
};

/** The location of a route (parseRoute's inverse). */
export function hrefOf(route: Route): string {
  const id = (value: string) => encodeURIComponent(value);
  switch (route.page) {
    case 'overview':
      return BASE;
    case 'offers':
    case 'pool':
    case 'alerts':
      return `${BASE}/${route.page}`;
    case 'offer':
      return `${BASE}/offers/${id(route.offerId)}`;
    case 'traces':
      return withQuery(`${BASE}/traces`, { offer: route.filters.offerId, status: route.filters.status, since: route.filters.since });
    case 'trace':
      return `${BASE}/traces/${id(route.traceId)}`;
    case 'trackier':
      return withQuery(`${BASE}/trackier`, { offer: route.offerId });
    case 'analytics':
      return withQuery(`${BASE}/analytics`, { campaign: route.campaignId });
    case 'not-found':
      return route.path;
  }
}

/** The navigation entry current on a page (none on a page that is not found). */
export const currentNav = (route: Route) => NAV.find((n) => n.pages.includes(route.page));
