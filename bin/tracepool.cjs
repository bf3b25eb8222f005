#!/usr/bin/env node
// `npx tracepool …`: runs the TypeScript CLI with tsx on the project's own Node 22 when present
// (ESM-only dependencies are loaded through require(esm); see local/esm-only-resolve.cjs).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const localNode = path.join(root, 'node_modules', '.bin', 'node');
const node = existsSync(localNode) ? localNode : process.execPath;
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const result = spawnSync(node, [tsx, '--require', path.join(root, 'local', 'esm-only-resolve.cjs'), path.join(root, 'bin', 'tracepool.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
