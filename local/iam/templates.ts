/**
 * The app's CloudFormation templates, where IAM enforcement reads each function's policies from:
 * synthesized in process (bundling skipped: policies do not depend on the bundles), or read from a
 * cloud assembly directory (`cdk.out` after `cdk synth`, or the directory an in-process synth wrote).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../bin/app';
import { FUNCTIONS, type FunctionDef } from '../../contracts/manifest/functions';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

/** Stack name → template. */
export type AppTemplates = ReadonlyMap<string, CfnTemplate>;

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The stacks of a cloud assembly directory (its manifest.json names each template file). */
export function templatesFromCloudAssembly(dir: string): AppTemplates {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templates = new Map<string, CfnTemplate>();
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    templates.set(name, JSON.parse(readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8')) as CfnTemplate);
  }
  if (!templates.size) throw new Error(`${dir}/manifest.json names no CloudFormation stack`);
  return templates;
}

export interface SynthesizeOptions {
  /**
   * The function manifest to synthesize instead of contracts/manifest/functions.ts (tests: a copy with a
   * grant removed). The shipped file is never touched.
   */
  readonly functions?: readonly FunctionDef[];
  /** Extra CDK context over cdk.json's (e.g. { stage: 'dev' }). */
  readonly context?: Record<string, unknown>;
}

/**
 * The app synthesized in process, as `cdk synth` would (cdk.json's context and feature flags, which
 * shape the templates), with bundling skipped and construct paths in the metadata (the CLI's
 * default), which is how policies.ts tells tables, queues and functions apart.
 */
export function synthesizeTemplates(options: SynthesizeOptions = {}): AppTemplates {
  // The shipped app synthesizes the same in every call of a process (its inputs are files), and a
  // synth takes seconds: local stacks started one after the other (e2e suites) share one.
  const key = options.functions ? undefined : JSON.stringify(options.context ?? {});
  const cached = key === undefined ? undefined : shippedSynths.get(key);
  if (cached) return cached;
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const context = {
    ...cdkJson.context,
    'aws:cdk:bundling-stacks': [],
    'aws:cdk:enable-path-metadata': true,
    ...options.context,
  };
  const synth = () => {
    const { app } = buildApp(new App({ context }));
    const assembly = app.synth({ validateOnSynthesis: false });
    return new Map(assembly.stacks.map((stack) => [stack.stackName, stack.template as CfnTemplate]));
  };
  if (options.functions) return withManifest(options.functions, synth);
  const templates = synth();
  shippedSynths.set(key!, templates);
  return templates;
}

const shippedSynths = new Map<string, AppTemplates>();

/**
 * Runs `fn` with the manifest's FUNCTIONS array holding `functions`, and puts the original entries
 * back before returning. The stateless stack reads the manifest module directly (it takes no list
 * of functions as a prop), so this is how a modified copy reaches it without editing the shipped
 * file. `fn` must be synchronous: nothing else can run, and so observe the swap, between the swap
 * and the restore. CDK synthesis is synchronous.
 */
function withManifest<T>(functions: readonly FunctionDef[], fn: () => T): T {
  const shipped = FUNCTIONS as FunctionDef[];
  const original = [...shipped];
  shipped.splice(0, shipped.length, ...functions);
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('withManifest: the function must be synchronous');
    return result;
  } finally {
    shipped.splice(0, shipped.length, ...original);
  }
}
