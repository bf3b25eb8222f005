/**
 * Proxy provider credentials: one Secrets Manager secret per provider, named `<prefix><provider>`,
 * holding JSON `{ "username", "password", "sessionTemplate"? }`. Resolved by the trace step, cached
 * for a TTL, never placed in items, env vars or logs (the objects redact themselves when printed).
 */
import { inspect } from 'node:util';
import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { LeaseConfigError, ProviderCredentialsError } from './errors';

/** The fields of a lease (lambdas/lease) that the proxy URL is made of. */
export interface LeasedProxy {
  readonly ipId: string;
  readonly host: string;
  readonly port: number;
  readonly provider: string;
  readonly country: string;
  readonly traceId: string;
  readonly leaseId: string;
  readonly fence: number;
}

/**
 * Placeholders a session template (or the username itself) may use, e.g.
 * `customer-{username}-session-{traceId}` or `user-country-{country}-session-{traceId}`.
 */
export const SESSION_PLACEHOLDERS = ['username', 'traceId', 'leaseId', 'ipId', 'country', 'fence'] as const;
type Placeholder = (typeof SESSION_PLACEHOLDERS)[number];
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

const onlyKnownPlaceholders = (value: string): boolean => [...value.matchAll(PLACEHOLDER)].every((m) => (SESSION_PLACEHOLDERS as readonly string[]).includes(m[1]!));

const secretSchema = z.strictObject({
  username: z.string().min(1).refine(onlyKnownPlaceholders, 'unknown placeholder'),
  password: z.string().min(1),
  sessionTemplate: z.string().min(1).refine(onlyKnownPlaceholders, 'unknown placeholder').optional(),
});

const REDACTED = '[redacted]';

/** Credentials of one provider. Printing, logging or JSON.stringify shows no password. */
export class ProviderCredentials {
  readonly #password: string;
  constructor(
    readonly provider: string,
    readonly username: string,
    password: string,
    readonly sessionTemplate?: string,
  ) {
    this.#password = password;
  }
  get password(): string {
    return this.#password;
  }
  toJSON(): Record<string, string | undefined> {
    return { provider: this.provider, username: this.username, password: REDACTED, sessionTemplate: this.sessionTemplate };
  }
  [inspect.custom](): string {
    return `ProviderCredentials(${this.provider}, ${this.username}, password: ${REDACTED})`;
  }
}

/** The one call this module needs from Secrets Manager: a port, so tests need no SDK mock. */
export interface SecretSource {
  /** The secret string, or undefined when no such secret exists. */
  getSecretString(name: string): Promise<string | undefined>;
}

export function secretsManagerSource(client: SecretsManagerClient): SecretSource {
  return {
    async getSecretString(name) {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
        return out.SecretString;
      } catch (error) {
        if (error instanceof ResourceNotFoundException || (error instanceof Error && error.name === 'ResourceNotFoundException')) {
          return undefined;
        }
        throw error;
      }
    },
  };
}

export interface ProviderCredentialsConfig {
  /** Secret name prefix, e.g. `tracepool/prod/proxy/`. Required. */
  readonly prefix: string;
  /** How long a resolved secret is reused. @default 300000 (rotation takes effect within 5 min) */
  readonly ttlMs?: number;
}

export interface ProviderCredentialsResolver {
  get(provider: string): Promise<ProviderCredentials>;
}

export function createProviderCredentials(deps: { source: SecretSource; clock: () => number }, config: ProviderCredentialsConfig): ProviderCredentialsResolver {
  if (!config.prefix) throw new LeaseConfigError('provider credentials: prefix is required');
  const ttlMs = config.ttlMs ?? 300_000;
  if (!Number.isInteger(ttlMs) || ttlMs < 0) throw new LeaseConfigError(`provider credentials: ttlMs must be >= 0, got ${ttlMs}`);
  // Promises are cached so concurrent traces for one provider share a single fetch.
  const cache = new Map<string, { value: Promise<ProviderCredentials>; until: number }>();

  async function load(provider: string): Promise<ProviderCredentials> {
    const raw = await deps.source.getSecretString(`${config.prefix}${provider}`);
    if (raw === undefined) throw new ProviderCredentialsError(provider, `secret '${config.prefix}${provider}' not found`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ProviderCredentialsError(provider, 'secret is not JSON'); // no parser message: it may quote the secret
    }
    const parsed = secretSchema.safeParse(json);
    if (!parsed.success) {
      // Paths and issue codes only: messages can echo the offending (secret) input.
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join('; ');
      throw new ProviderCredentialsError(provider, `secret is malformed (${issues})`);
    }
    const { username, password, sessionTemplate } = parsed.data;
    return new ProviderCredentials(provider, username, password, sessionTemplate);
  }

  return {
    get(provider: string): Promise<ProviderCredentials> {
      const now = deps.clock();
      const hit = cache.get(provider);
      if (hit && hit.until > now) return hit.value;
      const value = load(provider);
      cache.set(provider, { value, until: now + ttlMs });
      value.catch(() => cache.delete(provider)); // failures are not cached: the next trace retries
      return value;
    },
  };
}

/** The proxy username for one lease: the session template (or username) with placeholders filled. */
export function proxyUsername(credentials: ProviderCredentials, lease: LeasedProxy): string {
  const values: Record<Placeholder, string> = {
    username: credentials.username,
    traceId: lease.traceId,
    leaseId: lease.leaseId,
    ipId: lease.ipId,
    country: lease.country,
    fence: String(lease.fence),
  };
  const template = credentials.sessionTemplate ?? credentials.username;
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name as Placeholder] ?? whole);
}

/** `http://user:password@host:port` for the leased endpoint (userinfo percent-encoded). */
export function proxyUrl(lease: LeasedProxy, credentials: ProviderCredentials): string {
  if (credentials.provider !== lease.provider) {
    throw new ProviderCredentialsError(lease.provider, `credentials of '${credentials.provider}' used for this lease`);
  }
  const host = lease.host.includes(':') ? `[${lease.host}]` : lease.host;
  const user = encodeURIComponent(proxyUsername(credentials, lease));
  return `http://${user}:${encodeURIComponent(credentials.password)}@${host}:${lease.port}`;
}

/** The same URL with the password replaced, for logs and trace records. */
export function redactProxyUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, `$1${REDACTED}@`);
}
