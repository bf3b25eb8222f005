/**
 * The console's admin API client and its sign-in: the bearer token from sessionStorage on every
 * call, the API's own error message on a failure, and sign-out when the API refuses the token.
 */
import { ApiError, createApiClient, errorMessage, queryString, SignedOutError } from '../../../console/src/api';
import { AdminTokenAuth, authProvider, NoBrowserSignIn, TOKEN_KEY, type TokenStorage } from '../../../console/src/auth';

function memoryStorage(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
}

function fakeFetch(answer: { status: number; body: string }) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(answer.body, { status: answer.status });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('the admin-token sign-in', () => {
  it('keeps the trimmed token in the storage it is given and sends it as a bearer token', async () => {
    const storage = memoryStorage();
    const auth = new AdminTokenAuth(storage);
    expect(auth.signedIn()).toBe(false);
    expect(auth.signIn('   ')).toBe(false);
    expect(auth.signIn(' local\n')).toBe(true);
    expect(storage.items.get(TOKEN_KEY)).toBe('local');
    expect(await auth.authorization()).toBe('Bearer local');
    auth.signOut();
    expect([auth.signedIn(), await auth.authorization()]).toEqual([false, undefined]);
  });

  it('is the provider the page names; anything else has no browser sign-in', () => {
    expect(authProvider('admin-token', memoryStorage())).toBeInstanceOf(AdminTokenAuth);
    expect(authProvider('none', memoryStorage())).toBeInstanceOf(NoBrowserSignIn);
    expect(authProvider(undefined, memoryStorage()).kind).toBe('none');
  });
});

describe('the client', () => {
  const signedIn = () => {
    const auth = new AdminTokenAuth(memoryStorage());
    auth.signIn('tok');
    return auth;
  };

  it('calls the same origin with the token, the query and a JSON body', async () => {
    const { fetch, calls } = fakeFetch({ status: 201, body: '{"offerId":"x"}' });
    const api = createApiClient(signedIn(), { fetch });
    const answer = await api.callWithStatus('/admin/offers/x', { method: 'PUT', body: { redirectUrl: 'https://shop.example/' }, query: { dryRun: undefined, v: 2 } });
    expect(answer).toEqual({ status: 201, body: { offerId: 'x' } });
    expect(calls[0]!.url).toBe('/admin/offers/x?v=2');
    expect(calls[0]!.init).toMatchObject({ method: 'PUT', body: '{"redirectUrl":"https://shop.example/"}', credentials: 'omit' });
    expect(calls[0]!.init.headers).toMatchObject({ authorization: 'Bearer tok', 'content-type': 'application/json' });
  });

  it('sends a text body as it is under its content type, and reads a text answer as text', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: 'a,b\n1,2\n' });
    const api = createApiClient(signedIn(), { fetch });
    expect(await api.call('/admin/ips', { method: 'POST', body: 'host,port\n', contentType: 'text/csv', text: true })).toBe('a,b\n1,2\n');
    expect(calls[0]!.init.body).toBe('host,port\n');
  });

  it("fails with the API's message and keeps its answer", async () => {
    const body = { error: 'bad_request', message: 'offer invalid', details: [{ path: 'redirectUrl', message: 'must be an absolute http(s) URL' }] };
    const api = createApiClient(signedIn(), { fetch: fakeFetch({ status: 400, body: JSON.stringify(body) }).fetch });
    const error = await api.call('/admin/offers/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message: 'offer invalid (redirectUrl: must be an absolute http(s) URL)', body });
  });

  it.each([401, 403])('signs out when the API answers %i, and says so', async (status) => {
    const auth = signedIn();
    const reasons: string[] = [];
    const api = createApiClient(auth, { fetch: fakeFetch({ status, body: '{"message":"Forbidden"}' }).fetch, onSignedOut: (r) => reasons.push(r) });
    await expect(api.call('/admin/pool')).rejects.toBeInstanceOf(SignedOutError);
    expect(auth.signedIn()).toBe(false);
    expect(reasons).toHaveLength(1);
  });

  it('makes no call at all when signed out', async () => {
    const { fetch, calls } = fakeFetch({ status: 200, body: '{}' });
    await expect(createApiClient(new AdminTokenAuth(memoryStorage()), { fetch }).call('/admin/pool')).rejects.toBeInstanceOf(SignedOutError);
    expect(calls).toEqual([]);
  });
});

it('writes query strings from the defined values only', () => {
  expect(queryString({ a: 1, b: undefined, c: '', d: 'x y', e: false })).toBe('?a=1&d=x+y&e=false');
  expect(queryString({})).toBe('');
});

it('says what an error answer says, or the status', () => {
  expect(errorMessage(404, { message: 'offer x not found' })).toBe('offer x not found');
  expect(errorMessage(400, { error: 'bad_request' })).toBe('bad_request');
  expect(errorMessage(502, '<html>…</html>'.repeat(50))).toBe('The API answered 502');
  expect(errorMessage(500, 'Internal Server Error')).toBe('Internal Server Error');
});
