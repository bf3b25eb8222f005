/**
 * Cold start of a deployed bundle, measured as Lambda's init phase pays it: a fresh Node process
 * importing the esbuild bundle the CDK deploys (same options, same NODE_OPTIONS), timed against a
 * hello-world handler bundled the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../contracts/manifest/bundling';

export const ROOT = path.resolve(__dirname, '..');
export const HELLO_WORLD = "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n";

export interface BundleDir {
  readonly dir: string;
  /** Bundles a handler file or inline source into `out`; returns the bundle's size in bytes. */
  bundle(entry: { file: string } | { contents: string }, out: string): Promise<number>;
  /**
   * Whole-process time of `node -e "await import(out)"`. Synchronous spawn: nothing in this process
   * runs meanwhile, so both sides of a ratio are measured alike.
   */
  timeImport(out: string, env: NodeJS.ProcessEnv, nodeOpts: string): number;
}

/** A scratch directory for bundles, removed when `fn` settles. */
export async function withBundleDir<T>(fn: (b: BundleDir) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tracepool-bench-'));
  try {
    return await fn({
      dir,
      bundle: async (entry, out) => {
        await build({
          ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts' as const } }),
          ...esbuildOptions(ROOT),
          outfile: path.join(dir, out),
        });
        return statSync(path.join(dir, out)).size;
      },
      timeImport: (out, env, nodeOpts) => {
        const t = performance.now();
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(dir, out))})`], {
          env: { ...env, NODE_OPTIONS: nodeOpts },
        });
        if (r.status !== 0) throw new Error(`${out}: ${r.stderr.toString().slice(-2000)}`);
        return performance.now() - t;
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
