import { Readable } from 'node:stream';
import type http from 'node:http';
import { bearerMatches, compileRoutes, createRouter, matchRoute } from '../../../local/http-router';
import { FUNCTIONS } from '../../../contracts/manifest/functions';

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

describe('local router: admin routes', () => {
  const invoked: string[] = [];
  const router = createRouter({
    adminToken: 'secret-token',
    invoke: async (def) => {
      invoked.push(def.id);
      return { statusCode: 200, body: 'from the function' };
    },
  });
  beforeEach(() => (invoked.length = 0));

  /** One request through the router, without a socket: what it answered. */
  function request(path: string, headers: http.IncomingHttpHeaders = {}): Promise<{ status: number; body: string }> {
    const req = Object.assign(Readable.from([]), {
      method: 'GET',
      url: path,
      headers: { host: '127.0.0.1:3000', ...headers },
      httpVersion: '1.1',
      socket: { remoteAddress: '127.0.0.1' },
    }) as unknown as http.IncomingMessage;
    return new Promise((resolve) => {
      let status = 0;
      const res = {
        writeHead: (code: number) => {
          status = code;
          return res;
        },
        end: (body?: Buffer | string) => resolve({ status, body: body ? body.toString() : '' }),
      } as unknown as http.ServerResponse;
      router(req, res);
    });
  }

  it('answers 401 without a token, 403 with a wrong one, never invoking the function', async () => {
    expect(await request('/admin/ips')).toEqual({ status: 401, body: JSON.stringify({ message: 'Unauthorized' }) });
    expect(await request('/admin/ips', { authorization: 'Bearer wrong-token' })).toEqual({ status: 403, body: JSON.stringify({ message: 'Forbidden' }) });
    expect(await request('/admin/ips', { authorization: 'Basic secret-token' })).toMatchObject({ status: 403 });
    expect(invoked).toEqual([]);
  });

  it('invokes the function with the right token', async () => {
    expect(await request('/admin/ips', { authorization: 'Bearer secret-token' })).toEqual({ status: 200, body: 'from the function' });
    expect(invoked).toEqual([matchRoute(compileRoutes(FUNCTIONS), 'GET', '/admin/ips').match!.def.id]);
  });

  it('asks no token of a public route', async () => {
    expect(await request('/c/some-offer')).toEqual({ status: 200, body: 'from the function' });
    expect(invoked).toEqual(['Click']);
  });
});
