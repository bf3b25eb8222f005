/**
 * The project's cloud assembly (cdk.out) for `npm start -- --from-synth`: used as it is when it is
 * newer than every input of the app, otherwise produced by `cdk synth` — the CLI itself, with
 * bundling, so the assets are exactly what `cdk deploy` would upload. Nothing here deletes
 * anything: assets already staged stay (the CDK reuses a staged asset whose hash has not changed).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './lambda-runtime';

export const DEFAULT_CDK_OUT = path.join(PROJECT_ROOT, 'cdk.out');

/** What the synthesized app is made of: the CDK app, its constructs, the handlers, their dependencies. */
const APP_INPUTS = ['bin', 'lib', 'lambdas', 'contracts', 'console', 'cdk.json', 'package-lock.json', 'tsconfig.json'];

function newestMtime(file: string): number {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(file, entry)));
  }
  return newest;
}

/** Why cdk.out must be (re)synthesized, or undefined when it is fresh. */
export function stalenessOf(cdkOut: string, projectRoot = PROJECT_ROOT): string | undefined {
  const manifest = path.join(cdkOut, 'manifest.json');
  if (!existsSync(manifest)) return `${path.relative(projectRoot, cdkOut) || cdkOut} has no cloud assembly`;
  const synthesizedAt = statSync(manifest).mtimeMs;
  const newer = APP_INPUTS.find((input) => newestMtime(path.join(projectRoot, input)) > synthesizedAt);
  return newer ? `${newer} changed since the last synth` : undefined;
}

export interface EnsureSynthOptions {
  readonly cdkOut?: string;
  readonly projectRoot?: string;
  readonly log?: (line: string) => void;
  /** Synthesize even when cdk.out looks fresh. */
  readonly force?: boolean;
}

/** Runs `cdk synth` into cdkOut when it is missing or stale; resolves with whether it ran. */
export async function ensureSynthesized(options: EnsureSynthOptions = {}): Promise<{ synthesized: boolean; ms: number }> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const cdkOut = options.cdkOut ?? DEFAULT_CDK_OUT;
  const reason = options.force ? 'asked to' : stalenessOf(cdkOut, projectRoot);
  if (!reason) return { synthesized: false, ms: 0 };
  const log = options.log ?? (() => undefined);
  log(`cdk synth (${reason}; bundling every function takes a minute)…`);
  const started = Date.now();
  const cli = path.join(projectRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  // The app command (cdk.json: npx tsx bin/app.ts) must run on this project's Node, like `npx cdk`.
  const binDirs = [path.dirname(process.execPath), path.join(projectRoot, 'node_modules', '.bin')];
  const child = spawn(process.execPath, [cli, 'synth', '--quiet', '--output', cdkOut], {
    cwd: projectRoot,
    env: { ...process.env, PATH: [...binDirs, process.env.PATH ?? ''].join(path.delimiter), CDK_DISABLE_VERSION_CHECK: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`cdk synth failed (exit ${code}):\n${output}`);
  return { synthesized: true, ms: Date.now() - started };
}
