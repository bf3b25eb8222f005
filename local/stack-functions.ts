// How the local stack sets up each function: its isolate spec (code, memory, timeout, environment)
// from its TypeScript source or from the bundle `cdk synth` staged, and the secret names its
// environment expects (the local stack's own, or the synthesized template's).
import path from 'node:path';
import { PROJECT_ROOT } from './lambda-runtime';
import type { IsolateSpec } from './function-isolate';
import { ENV } from '../contracts/manifest/env';
import type { FunctionDef } from '../contracts/manifest/functions';
import type { SynthesizedApp } from './synthesized-app';
import { manifestEnvironment, runtimeEnvironment, sourceExecArgv, type LocalEndpoints, type LocalResources } from './function-env';

export interface SpecOptions {
  readonly endpoints: LocalEndpoints;
  readonly logLevel: string;
  readonly env?: Record<string, string>;
}

/** A function from its TypeScript source, with the environment the stack would give it. */
export function sourceSpec(def: FunctionDef, resources: LocalResources, options: SpecOptions): IsolateSpec {
  const memoryMb = def.memoryMb ?? 256;
  return {
    functionId: def.id,
    memoryMb,
    timeoutMs: (def.timeoutSeconds ?? 10) * 1000,
    code: { kind: 'source', file: path.join(PROJECT_ROOT, def.entry), exportName: 'handler' },
    env: {
      ...manifestEnvironment(def, resources),
      [ENV.stage]: 'local',
      [ENV.corsOrigins]: '*',
      // Only loopback reaches the local stack, and its clicks come from 127.0.0.1, which no country
      // database places: this header lets a developer say where a click comes from.
      [ENV.trustedCountryHeader]: 'x-viewer-country',
      ...runtimeEnvironment({ functionId: def.id, memoryMb, endpoints: options.endpoints, logLevel: options.logLevel, taskRoot: PROJECT_ROOT }),
      ...options.env,
    },
    execArgv: sourceExecArgv(def),
  };
}

/** Where a bundle expects its own files (/var/task in Lambda): the asset directory locally. */
const LAMBDA_TASK_ROOT = '/var/task';

/** Every function of the synthesized app: its bundle, its template environment with local stand-ins. */
export function synthesizedSpecs(app: SynthesizedApp, options: SpecOptions & { standIns: Parameters<SynthesizedApp['environmentOf']>[1] }): IsolateSpec[] {
  return app.functions.map((fn) => {
    const own = app.environmentOf(fn, options.standIns);
    for (const [key, value] of Object.entries(own)) {
      if (value === LAMBDA_TASK_ROOT || value.startsWith(`${LAMBDA_TASK_ROOT}/`)) own[key] = fn.assetDir + value.slice(LAMBDA_TASK_ROOT.length);
    }
    const memoryMb = fn.def.memoryMb ?? 128;
    return {
      functionId: fn.def.id,
      memoryMb,
      timeoutMs: (fn.def.timeoutSeconds ?? 3) * 1000,
      code: { kind: 'bundle', file: fn.bundleFile, exportName: fn.exportName },
      env: {
        ...own,
        ...runtimeEnvironment({ functionId: fn.def.id, memoryMb, endpoints: options.endpoints, logLevel: options.logLevel, taskRoot: fn.assetDir }),
        ...options.env,
      },
      execArgv: (own.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean),
    };
  });
}

export interface Naming {
  readonly trackierSecret: string;
  readonly proxyProviders: readonly string[];
  readonly providerSecretPrefix: string;
}

export const LOCAL_NAMING: Naming = {
  trackierSecret: 'tracepool/local/trackier',
  proxyProviders: ['local'],
  providerSecretPrefix: 'tracepool/local/proxy/',
};

/** The names the synthesized functions are configured with (literals in their environment). */
export function synthesizedNaming(app: SynthesizedApp): Naming {
  const literal = (name: string) => app.functions.map((f) => f.environment[name]).find((v): v is string => typeof v === 'string');
  const providers = (literal(ENV.proxyProviders) ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    trackierSecret: app.secrets.find((s) => s.role === 'trackier')?.name ?? LOCAL_NAMING.trackierSecret,
    proxyProviders: providers.length ? providers : LOCAL_NAMING.proxyProviders,
    providerSecretPrefix: literal(ENV.providerSecretPrefix) ?? LOCAL_NAMING.providerSecretPrefix,
  };
}

/** The demo pool's provider from sources (its local proxies' credentials live in the local secrets store). */
export const LOCAL_PROXY_PROVIDER = LOCAL_NAMING.proxyProviders[0]!;
