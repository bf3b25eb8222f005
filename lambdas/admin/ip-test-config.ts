/**
 * The configuration of AdminIpTest (POST /admin/ips/test), read from its environment once per cold
 * start or built directly by tests. Its own module, as its function is: the one admin function that
 * holds the proxy credentials.
 */
import { booleanEnv, numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { ENV, ENV_DEFAULTS, tableEnv } from '../../contracts/manifest/env';
import { LEASE_DEFAULTS } from '../lease/lease-config';

export interface AdminIpTestConfig {
  readonly ipPoolTable: string;
  readonly providerSecretPrefix: string;
  readonly echoUrl: string;
  /** Per probe: the connect, the answer and its body each get this long. */
  readonly probeTimeoutMs: number;
  /** Only the local stack sets this: its proxies and echo live on 127.0.0.1. */
  readonly allowPrivate: boolean;
  /** The pipeline's lease settings: a probe's lease and its proxy failure count as a trace's do. */
  readonly lease: { readonly leaseMs: number; readonly cooldownMs: number; readonly unhealthyAfter: number };
}

export function readAdminIpTestConfig(env: NodeJS.ProcessEnv = process.env): AdminIpTestConfig {
  return {
    ipPoolTable: requireEnv(tableEnv('IpPool'), env),
    providerSecretPrefix: requireEnv(ENV.providerSecretPrefix, env),
    echoUrl: optionalEnv(ENV.ipEchoUrl, env) ?? ENV_DEFAULTS.ipEchoUrl,
    probeTimeoutMs: 10_000,
    allowPrivate: booleanEnv(ENV.allowPrivateTargets, env),
    lease: {
      leaseMs: numberEnv(ENV.leaseMs, LEASE_DEFAULTS.leaseMs, env),
      cooldownMs: numberEnv(ENV.leaseCooldownMs, LEASE_DEFAULTS.cooldownMs, env),
      unhealthyAfter: numberEnv(ENV.unhealthyAfter, LEASE_DEFAULTS.unhealthyAfter, env),
    },
  };
}
