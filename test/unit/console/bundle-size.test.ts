/**
 * The console as esbuild builds it from the sources (the local stack's build; the CDK runs the
 * same options through the CLI): exactly the files the Console function serves, and a first load
 * of at most 150 KB of gzip-compressed JavaScript.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConsoleToTemp } from '../../../local/console-build';
import { CONSOLE_FILES, consoleEsbuildArgs, consoleEsbuildOptions } from '../../../contracts/manifest/console-build';

const BUDGET_BYTES = 150 * 1024;

it('builds to the files the Console function serves, with at most 150 KB of gzipped JavaScript', async () => {
  const built = await buildConsoleToTemp();
  try {
    expect(readdirSync(built.dir).sort()).toEqual([...CONSOLE_FILES].sort());
    const js = readdirSync(built.dir).filter((f) => f.endsWith('.js'));
    const gzipped = js.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(built.dir, f)), { level: 9 }).length, 0);
    expect(gzipped).toBeGreaterThan(1000);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    // No eval or Function constructor for the policy to refuse.
    const code = js.map((f) => readFileSync(path.join(built.dir, f), 'utf8')).join('\n');
    expect(code).not.toMatch(/\beval\(|new Function\(/);
  } finally {
    await built.remove();
  }
}, 60_000);

it('gives the esbuild CLI (the synth) the same options as the API (the local stack)', () => {
  const api = consoleEsbuildOptions('/repo', '/out');
  const args = consoleEsbuildArgs('/repo', '/out');
  expect(args.slice(0, api.entryPoints.length)).toEqual(api.entryPoints);
  expect(args).toEqual(
    expect.arrayContaining([
      `--format=${api.format}`,
      `--platform=${api.platform}`,
      `--target=${api.target}`,
      `--jsx=${api.jsx}`,
      `--jsx-import-source=${api.jsxImportSource}`,
      `--outdir=${api.outdir}`,
      '--bundle',
      '--minify',
    ]),
  );
});
