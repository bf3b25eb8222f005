import { bearerMatches, compileRoutes, matchRoute } from '../../../local/http-router';
import { FUNCTIONS } from '../../../lib/manifest/functions';

describe('local router', () => {
  const routes = compileRoutes(FUNCTIONS);

  it('matches manifest routes and decodes path parameters', () => {
    const found = matchRoute(routes, 'GET', '/c/my%2Eoffer');
    expect(found.match?.def.id).toBe('Click');
    expect(found.pathParameters).toEqual({ offerId: 'my.offer' });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(matchRoute(routes, 'DELETE', '/c/x')).toEqual({ match: undefined, pathMatched: true });
    expect(matchRoute(routes, 'GET', '/nope')).toEqual({ match: undefined, pathMatched: false });
  });

  it('compares bearer tokens exactly', () => {
    expect(bearerMatches('Bearer local', 'local')).toBe(true);
    expect(bearerMatches('bearer local', 'local')).toBe(true);
    expect(bearerMatches('Bearer locals', 'local')).toBe(false);
    expect(bearerMatches('Bearer ', 'local')).toBe(false);
    expect(bearerMatches(undefined, 'local')).toBe(false);
  });

  it('marks every /admin route as admin-only', () => {
    for (const def of FUNCTIONS) for (const r of def.routes ?? []) if (r.path.startsWith('/admin')) expect(r.auth).toBe('admin');
  });
});
