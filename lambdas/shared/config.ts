/**
 * Configuration read once at cold start. A missing required variable throws at import time, so a
 * misconfigured function fails its first invocation loudly instead of misbehaving quietly.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`Missing required environment variable ${name}`);
  return value;
}

/** Tunables with a documented default (the same default the CDK construct documents). */
export function numberEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`Environment variable ${name} is not a number: ${raw}`);
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function booleanEnv(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return env[name] === 'true' || env[name] === '1';
}

/**
 * A comma-separated list of positive integers (delays in ms, say), e.g. "60000,300000". Anything
 * else fails at cold start: a typo must not become NaN or 0 delays at the first retry.
 */
export function positiveIntListEnv(name: string, fallback: readonly number[], env: NodeJS.ProcessEnv = process.env): readonly number[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const parts = raw.split(',').map((v) => v.trim());
  if (!parts.every((v) => /^[0-9]+$/.test(v) && Number(v) > 0 && Number.isSafeInteger(Number(v)))) {
    throw new ConfigError(`Environment variable ${name} must be a comma-separated list of positive integers, not "${raw}"`);
  }
  return parts.map(Number);
}
