import { inspect } from 'node:util';
import { ProviderCredentialsError } from '../../../lambdas/lease/errors';
import type { Lease } from '../../../lambdas/lease/lease-pool';
import { createProviderCredentials, proxyUrl, redactProxyUrl, type SecretSource } from '../../../lambdas/shared/provider-credentials';

// Secrets Manager has no local endpoint: the module depends on a one-method port, faked here.
function source(secrets: Record<string, string>) {
  const calls: string[] = [];
  const src: SecretSource = {
    async getSecretString(name) {
      calls.push(name);
      return secrets[name];
    },
  };
  return { src, calls };
}

const lease: Lease = {
  ipId: 'luna-1',
  host: 'pr.example.net',
  port: 7000,
  provider: 'luna',
  country: 'us',
  traceId: 'tr-9',
  leaseId: 'l-1',
  fence: 4,
  expiresAt: 0,
  startsAt: 0,
};
const SECRET = JSON.stringify({ username: 'cust', password: 'p@ss:w/rd', sessionTemplate: '{username}-country-{country}-session-{traceId}' });

test('resolves, caches for the TTL, shares concurrent fetches, refetches after expiry', async () => {
  let now = 0;
  const { src, calls } = source({ 'tp/luna': SECRET });
  const creds = createProviderCredentials({ source: src, clock: () => now }, { prefix: 'tp/', ttlMs: 1_000 });
  const [a, b] = await Promise.all([creds.get('luna'), creds.get('luna')]);
  expect(a).toBe(b);
  expect(a.username).toBe('cust');
  now = 999;
  await creds.get('luna');
  expect(calls).toEqual(['tp/luna']);
  now = 1_000;
  await creds.get('luna');
  expect(calls).toEqual(['tp/luna', 'tp/luna']);
});

test('never shows the password when printed, logged or serialised', async () => {
  const { src } = source({ 'tp/luna': SECRET });
  const creds = await createProviderCredentials({ source: src, clock: () => 0 }, { prefix: 'tp/' }).get('luna');
  expect(creds.password).toBe('p@ss:w/rd');
  for (const shown of [JSON.stringify(creds), inspect(creds), `${inspect({ creds })}`]) {
    expect(shown).not.toContain('p@ss');
  }
});

test('missing or malformed secrets fail with a typed error that quotes no secret, and are not cached', async () => {
  let secrets: Record<string, string> = {
    'tp/bad': JSON.stringify({ username: 'u', password: '' }),
    'tp/notjson': 'hunter2-not-json',
    'tp/extra': JSON.stringify({ username: 'u', password: 'hunter2', token: 'x' }),
    'tp/placeholder': JSON.stringify({ username: 'u-{secretThing}', password: 'hunter2' }),
  };
  const src: SecretSource = { getSecretString: async (name) => secrets[name] };
  const creds = createProviderCredentials({ source: src, clock: () => 0 }, { prefix: 'tp/' });
  for (const provider of ['missing', 'bad', 'notjson', 'extra', 'placeholder']) {
    const error = await creds.get(provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCredentialsError);
    expect((error as Error).message).not.toMatch(/hunter2/);
  }
  secrets = { 'tp/missing': SECRET };
  await expect(creds.get('missing')).resolves.toMatchObject({ username: 'cust' });
});

test('builds the proxy URL for a lease, session template filled and userinfo encoded', async () => {
  const { src } = source({ 'tp/luna': SECRET, 'tp/plain': JSON.stringify({ username: 'user-session-{traceId}', password: 'pw' }) });
  const resolver = createProviderCredentials({ source: src, clock: () => 0 }, { prefix: 'tp/' });
  const url = proxyUrl(lease, await resolver.get('luna'));
  expect(url).toBe('http://cust-country-us-session-tr-9:p%40ss%3Aw%2Frd@pr.example.net:7000');
  expect(new URL(url).password).toBe('p%40ss%3Aw%2Frd');
  expect(redactProxyUrl(url)).toBe('http://cust-country-us-session-tr-9:[redacted]@pr.example.net:7000');
  const plain = await resolver.get('plain');
  expect(proxyUrl({ ...lease, provider: 'plain', host: '2001:db8::1' }, plain)).toBe('http://user-session-tr-9:pw@[2001:db8::1]:7000');
  expect(() => proxyUrl(lease, plain)).toThrow(ProviderCredentialsError);
});
