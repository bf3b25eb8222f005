// The console's routes: every page's location parses back to the route it was written from.
import { currentNav, hrefOf, NAV, parseRoute, type Route } from '../../../console/src/router';

const ROUTES: Route[] = [
  { page: 'overview' },
  { page: 'offers' },
  { page: 'offer', offerId: 'summer-sale.v2' },
  { page: 'offer', offerId: 'a b/c' },
  { page: 'traces', filters: {} },
  { page: 'traces', filters: { offerId: 'demo', status: 'failed', since: '24h' } },
  { page: 'trace', traceId: '0190d5a4-7b1c-7def-8a12-3456789abcde' },
  { page: 'pool' },
  { page: 'alerts' },
  { page: 'trackier' },
  { page: 'trackier', offerId: 'demo' },
  { page: 'analytics', campaignId: '6f1c7e0e-9a2b-4c1d-8e3f-0a1b2c3d4e5f' },
];

it.each(ROUTES.map((r) => [hrefOf(r), r] as const))('%s ↔ its route', (href, route) => {
  const url = new URL(href, 'http://127.0.0.1');
  expect(parseRoute(url.pathname, url.search)).toEqual(route);
});

it('reads a trailing slash and the bare base as the overview', () => {
  expect(parseRoute('/console/')).toEqual({ page: 'overview' });
  expect(parseRoute('/console')).toEqual({ page: 'overview' });
  expect(parseRoute('/console/offers/')).toEqual({ page: 'offers' });
});

it('leaves empty filters out and ignores unknown ones', () => {
  expect(parseRoute('/console/traces', '?offer=&status=failed&color=red')).toEqual({ page: 'traces', filters: { status: 'failed' } });
});

it.each(['/consoles', '/console/nope', '/console/offers/a/b', '/console/pool/x', '/console/offers/%E0%A4%A', '/admin/offers'])('%s is not a console page', (path) => {
  expect(parseRoute(path)).toEqual({ page: 'not-found', path });
});

it('lists the seven sections in order, each current on its own pages', () => {
  expect(NAV.map((n) => n.label)).toEqual(['Overview', 'Offers', 'Traces', 'Pool', 'Alerts', 'Trackier', 'Analytics']);
  expect(currentNav({ page: 'offer', offerId: 'x' })?.label).toBe('Offers');
  expect(currentNav({ page: 'trace', traceId: 'x' })?.label).toBe('Traces');
  expect(currentNav({ page: 'not-found', path: '/console/x' })).toBeUndefined();
});
