/**
 * npm run bench — every benchmark in its own process (each starts its own endpoints and must
 * not share a warm JIT or cache with the others); exit 1 when any target is missed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BENCHES = ['click', 'click-backlog', 'click-stall', 'parked-drain', 'lease', 'lease-backlog', 'trace', 'ingest', 'pipeline', 'cold-start'];

const results: [string, string][] = [];
for (const name of BENCHES) {
  const file = path.join(ROOT, 'bench', `${name}.bench.ts`);
  if (!existsSync(file)) continue;
  console.log(`\n=== bench:${name} ===`);
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--require', path.join(ROOT, 'local/esm-only-resolve.cjs'), file], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  results.push([name, run.status === 0 ? 'PASS' : 'FAIL']);
}
console.log(`\n${results.map(([name, verdict]) => `${name}: ${verdict}`).join('  ')}`);
process.exit(results.every(([, verdict]) => verdict === 'PASS') ? 0 : 1);
