/**
 * The console's Cognito sign-in in a deployed stack: the authorization-code flow with PKCE, a
 * returned code exchanged only for the state this tab sent, tokens refreshed before they lapse
 * (one refresh for concurrent calls), and sign-out at the hosted page too. The browser's side
 * (fetch, crypto, navigation, the clock) is handed in; crypto is Node's Web Crypto.
 */
import { createHash, webcrypto } from 'node:crypto';
import { CognitoAuth, PENDING_KEY, TOKENS_KEY, type BrowserSide } from '../../../console/src/cognito-auth';

const settings = {
  domainUrl: 'https://tracepool-prod-1.auth.eu-west-1.amazoncognito.com',
  clientId: 'client123',
  redirectUri: 'https://abc.execute-api.eu-west-1.amazonaws.com/console',
};

function setup(answers: ((form: URLSearchParams) => { status: number; body: unknown })[] = []) {
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
  const visits: URL[] = [];
  const posts: { url: string; form: URLSearchParams }[] = [];
  let now = 1_800_000_000_000;
  const browser: BrowserSide = {
    fetch: (async (url: string, init: RequestInit) => {
      const form = new URLSearchParams(String(init.body));
      posts.push({ url, form });
      const answer = answers.shift()?.(form) ?? { status: 500, body: {} };
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch,
    crypto: webcrypto as unknown as Crypto,
    navigate: (url) => void visits.push(new URL(url)),
    now: () => now,
  };
  return { auth: new CognitoAuth(settings, storage, browser), store, visits, posts, advance: (ms: number) => (now += ms) };
}

const issued = (access: string, refresh?: string) => () => ({
  status: 200,
  body: { access_token: access, id_token: 'id', ...(refresh ? { refresh_token: refresh } : {}), expires_in: 3600, token_type: 'Bearer' },
});

it('sends the operator to the hosted page with an S256 challenge of a verifier it keeps, and a state', async () => {
  const { auth, store, visits } = setup();
  await auth.beginSignIn();
  const [url] = visits;
  expect(`${url!.origin}${url!.pathname}`).toBe(`${settings.domainUrl}/oauth2/authorize`);
  const q = url!.searchParams;
  expect(Object.fromEntries([...q].filter(([k]) => !['state', 'code_challenge'].includes(k)))).toEqual({
    response_type: 'code',
    client_id: 'client123',
    redirect_uri: settings.redirectUri,
    scope: 'openid email',
    code_challenge_method: 'S256',
  });
  const pending = JSON.parse(store.get(PENDING_KEY)!) as { verifier: string; state: string };
  expect(pending.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(q.get('state')).toBe(pending.state);
  expect(q.get('code_challenge')).toBe(createHash('sha256').update(pending.verifier).digest('base64url'));
});

it('exchanges the returned code with the verifier, then authorizes admin calls with the access token', async () => {
  const { auth, store, visits, posts } = setup([issued('access-1', 'refresh-1')]);
  await auth.beginSignIn();
  const { verifier, state } = JSON.parse(store.get(PENDING_KEY)!) as { verifier: string; state: string };
  expect(auth.signedIn()).toBe(false);
  expect(await auth.completeSignIn(`?code=the-code&state=${state}`)).toBe(true);
  expect(posts[0]!.url).toBe(`${settings.domainUrl}/oauth2/token`);
  expect(Object.fromEntries(posts[0]!.form)).toEqual({
    grant_type: 'authorization_code',
    client_id: 'client123',
    code: 'the-code',
    redirect_uri: settings.redirectUri,
    code_verifier: verifier,
  });
  expect(store.has(PENDING_KEY)).toBe(false);
  expect(auth.signedIn()).toBe(true);
  expect(await auth.authorization()).toBe('Bearer access-1');
  expect(visits).toHaveLength(1);
});

it('never exchanges a code this tab did not ask for, and says why Cognito refused', async () => {
  const { auth, store, posts } = setup([issued('x')]);
  expect(await auth.completeSignIn('')).toBe(false);
  await auth.beginSignIn();
  await expect(auth.completeSignIn('?code=forged&state=not-ours')).rejects.toThrow(/did not start here/);
  // The pending sign-in is spent: replaying the right state later does not work either.
  await expect(auth.completeSignIn('?code=forged&state=anything')).rejects.toThrow(/did not start here/);
  await expect(auth.completeSignIn('?error=access_denied&error_description=User+is+disabled')).rejects.toThrow('Sign-in was refused: User is disabled');
  expect(posts).toEqual([]);
  expect(store.has(TOKENS_KEY)).toBe(false);
});

it('refreshes the access token shortly before it expires, once for concurrent calls, keeping the refresh token', async () => {
  const { auth, store, posts, advance } = setup([issued('access-1', 'refresh-1'), issued('access-2')]);
  await auth.beginSignIn();
  await auth.completeSignIn(`?code=c&state=${(JSON.parse(store.get(PENDING_KEY)!) as { state: string }).state}`);
  advance(3600_000 - 30_000);
  expect(await Promise.all([auth.authorization(), auth.authorization(), auth.authorization()])).toEqual(['Bearer access-2', 'Bearer access-2', 'Bearer access-2']);
  expect(posts.map((p) => p.form.get('grant_type'))).toEqual(['authorization_code', 'refresh_token']);
  expect(posts[1]!.form.get('refresh_token')).toBe('refresh-1');
  expect(JSON.parse(store.get(TOKENS_KEY)!)).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-1' });
});

it('is signed out when the refresh is refused, and signs out at the hosted page too', async () => {
  const { auth, store, visits, advance } = setup([issued('access-1', 'refresh-1'), () => ({ status: 400, body: { error: 'invalid_grant' } })]);
  await auth.beginSignIn();
  await auth.completeSignIn(`?code=c&state=${(JSON.parse(store.get(PENDING_KEY)!) as { state: string }).state}`);
  advance(3 * 3600_000);
  expect(await auth.authorization()).toBeUndefined();
  expect(auth.signedIn()).toBe(false);

  store.set(TOKENS_KEY, JSON.stringify({ accessToken: 'a', expiresAt: Date.now() + 3600_000 }));
  auth.signOut();
  expect(store.has(TOKENS_KEY)).toBe(false);
  const logout = visits.at(-1)!;
  expect(`${logout.origin}${logout.pathname}`).toBe(`${settings.domainUrl}/logout`);
  expect(Object.fromEntries(logout.searchParams)).toEqual({ client_id: 'client123', logout_uri: settings.redirectUri });
});
