/**
 * The operator console built from its sources with esbuild's API, with the options the CDK gives
 * the esbuild CLI at synth (contracts/manifest/console-build.ts). The local stack builds it into a
 * directory of its own at start-up (a fraction of a second), so every stack serves the console of
 * the sources it runs; the bundle-size test builds it the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { consoleEsbuildOptions } from '../contracts/manifest/console-build';
import { PROJECT_ROOT } from './lambda-runtime';

/** Builds the console into `outdir`. */
export async function buildConsole(outdir: string, projectRoot = PROJECT_ROOT): Promise<void> {
  await build(consoleEsbuildOptions(projectRoot, outdir));
}

/** Builds the console into a new temporary directory; `remove` deletes it. */
export async function buildConsoleToTemp(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tracepool-console-'));
  try {
    await buildConsole(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
