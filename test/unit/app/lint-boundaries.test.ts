/**
 * The import boundaries of eslint.config.mjs: each rule rejects a violating import and accepts a
 * legal one. Each snippet is linted as if it were the named file (which need not exist).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const root = path.resolve(__dirname, '../../..');

interface Finding {
  ruleId: string | null;
  message: string;
}

// ESLint's Node API, run on a worker thread: jest's module sandbox cannot import() the ES-module
// config file, a plain Node thread can.
const LINT_SNIPPETS = `
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
const { ESLint } = require('node:module').createRequire(path.join(workerData.root, 'package.json'))('eslint');
const eslint = new ESLint({ cwd: workerData.root, overrideConfigFile: path.join(workerData.root, 'eslint.config.mjs') });
Promise.all(
  workerData.snippets.map(async ({ file, code }) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(workerData.root, file) });
    return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
  }),
).then((findings) => parentPort.postMessage(findings));
`;

function lint(snippets: { file: string; code: string }[]): Promise<Finding[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LINT_SNIPPETS, { eval: true, workerData: { root, snippets } });
    worker.once('message', (findings: Finding[][]) => {
      resolve(findings);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`lint worker exited with ${code}`)));
  });
}

// Why each boundary rejects an import: a phrase of its message in eslint.config.mjs.
const LAMBDAS_OUT = 'Code under lambdas/ is bundled';
const NO_LAMBDAS = 'never import from lambdas/';
const CONTRACTS = 'contracts/ is shared pure data';
const HANDLER = 'is a Lambda entry point only';
const SHARED = 'lambdas/shared/ never imports a capability';
const WIRING = "another capability's wiring";
const CONSOLE_PACKAGE = 'The console is browser code';
const CONSOLE_TYPES = 'from lambdas/ it imports types only';
const CONSOLE_SERVER = 'it never imports lib/, local/, bin/, test/ or bench/';

/** [the importing file, the import specifier, the boundary it breaks] */
const REJECTED: [string, string, string][] = [
  ['lambdas/click/example.ts', '../../lib/app-context', LAMBDAS_OUT],
  ['lambdas/click/example.ts', '../../bin/commands/offers', LAMBDAS_OUT],
  ['lambdas/click/example.ts', '../../local/stack', LAMBDAS_OUT],
  ['lambdas/click/example.ts', '../../test/support/local-endpoints', LAMBDAS_OUT],
  ['lambdas/shared/example.ts', '../../bench/run-all', LAMBDAS_OUT],
  ['lib/constructs/example.ts', '../../lambdas/click/click-use-case', NO_LAMBDAS],
  ['contracts/manifest/example.ts', '../../lambdas/shared/config', NO_LAMBDAS],
  ['contracts/manifest/example.ts', '../../lib/app-context', CONTRACTS],
  ['contracts/example.ts', '../local/stack', CONTRACTS],
  ['contracts/example.ts', '../bin/tracepool', CONTRACTS],
  ['lambdas/pipeline/example.ts', './starter.handler', HANDLER],
  ['lambdas/admin/example.ts', '../click/click.handler', HANDLER],
  ['lib/constructs/example.ts', '../../local/example.handler', HANDLER],
  ['bin/commands/example.ts', '../../lambdas/ops/status.handler', HANDLER],
  ['lambdas/shared/example.ts', '../lease/errors', SHARED],
  ['lambdas/shared/example.ts', '../tracer', SHARED],
  ['lambdas/admin/example.ts', '../pipeline/pipeline-deps', WIRING],
  ['lambdas/pipeline/example.ts', '../trackier/runtime', WIRING],
  ['lambdas/admin/example.ts', '../ops/wiring', WIRING],
  ['lambdas/click/example.ts', '../ops/config', WIRING],
];

/** [the importing file, the import specifier] */
const ACCEPTED: [string, string][] = [
  ['lambdas/click/example.ts', '../../contracts/manifest/env'],
  ['lambdas/click/example.ts', '../shared/config'],
  ['lambdas/click/example.ts', './click-handler-options'],
  ['lib/constructs/example.ts', '../../contracts/manifest/env'],
  ['contracts/manifest/example.ts', '../ops'],
  ['contracts/example.ts', 'zod'],
  ['test/unit/ops/example.test.ts', '../../../lambdas/ops/status.handler'],
  ['local/example.ts', '../lambdas/ops/status.handler'],
  ['bench/example.ts', '../lambdas/click/click.handler'],
  ['lambdas/shared/example.ts', './errors'],
  ['lambdas/shared/example.ts', '../../contracts/manifest/env'],
  ['lambdas/pipeline/example.ts', './pipeline-deps'],
  ['lambdas/ops/example.ts', './config'],
  ['lambdas/admin/example.ts', '../pipeline/pipeline-state'],
];

/**
 * The console's boundaries (browser code): [the importing file, the import statement, the boundary
 * it breaks, or undefined when it is legal]. Type-only imports of server code are legal there.
 */
const CONSOLE: [string, string, string | undefined][] = [
  ['console/src/example.ts', "import { readFileSync } from 'node:fs';", CONSOLE_PACKAGE],
  ['console/src/example.tsx', "import path from 'path';", CONSOLE_PACKAGE],
  ['console/src/example.ts', "import { z } from 'zod';", CONSOLE_PACKAGE],
  ['console/src/example.ts', "import { FUNCTIONS } from '../../lambdas/ops/thresholds';", CONSOLE_TYPES],
  ['console/src/pages/example.tsx', "import { buildApp } from '../../../lib/app-context';", CONSOLE_SERVER],
  ['console/src/example.ts', "import type { LocalStack } from '../../local/stack';", CONSOLE_SERVER],
  ['console/src/example.ts', "import type { PoolDocument } from '../../lambdas/ops/pool-monitor';", undefined],
  ['console/src/example.tsx', "import { render } from 'preact';", undefined],
  ['console/src/example.tsx', "import { useState } from 'preact/hooks';", undefined],
  ['console/src/pages/example.tsx', "import { formatPct } from '../format';", undefined],
];

const snippet = (file: string, specifier: string) => ({ file, code: `export * from '${specifier}';\n` });
let rejected: Finding[][];
let accepted: Finding[][];
let consoleFindings: Finding[][];

beforeAll(async () => {
  const findings = await lint([
    ...REJECTED.map(([file, spec]) => snippet(file, spec)),
    ...ACCEPTED.map(([file, spec]) => snippet(file, spec)),
    ...CONSOLE.map(([file, code]) => ({ file, code: `${code}\nexport const used = [${/import (?:type )?\{? ?(\w+)/.exec(code)![1]}];\n` })),
  ]);
  rejected = findings.slice(0, REJECTED.length);
  accepted = findings.slice(REJECTED.length, REJECTED.length + ACCEPTED.length);
  consoleFindings = findings.slice(REJECTED.length + ACCEPTED.length);
}, 60_000);

it.each(CONSOLE.map((c, i) => [...c, i] as const))('%s: %s (%s)', (_file, _code, boundary, i) => {
  const restricted = consoleFindings[i]!.filter((f) => f.ruleId === '@typescript-eslint/no-restricted-imports');
  if (boundary === undefined) expect(restricted).toEqual([]);
  else expect(restricted).toEqual([{ ruleId: '@typescript-eslint/no-restricted-imports', message: expect.stringContaining(boundary) }]);
});

it.each(REJECTED.map((c, i) => [...c, i] as const))('%s may not import %s', (_file, _specifier, boundary, i) => {
  expect(rejected[i]).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining(boundary) }]);
});

it.each(ACCEPTED.map((c, i) => [...c, i] as const))('%s may import %s', (_file, _specifier, i) => {
  expect(accepted[i]).toEqual([]);
});
