// ESLint flat config: typescript-eslint's recommended rules (not type-checked: tsc --noEmit already
// type-checks, and this keeps `npm run lint` fast) plus the repo's import boundaries.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const LINTED = ['lambdas', 'lib', 'contracts', 'bin', 'local', 'bench', 'test', 'console'];

// Capabilities are the folders of lambdas/ other than shared/ (read from disk so a new one is covered).
const CAPABILITIES = readdirSync(new URL('./lambdas/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);

// --- Import boundaries -------------------------------------------------------------------------
// `no-restricted-imports` patterns: regexes on the import specifier as written (the repo's own
// modules are imported by relative path). They see static imports and re-exports, not import().
// A flat config replaces a rule's options rather than merging them, so each file group below gets
// the full list of patterns that apply to it.
const UP = '^(?:\\.\\./)+'; // one or more `../`
const boundary = (regex, message) => ({ regex, message, caseSensitive: true });

const NO_HANDLER = boundary(
  '\\.handler(?:\\.[cm]?[jt]s)?$',
  'A *.handler module is a Lambda entry point only: import the module it uses instead (only test/, local/ and bench/ may import handlers).',
);
const LAMBDAS_STAY_IN_LAMBDAS = boundary(
  `${UP}(?:lib|bin|local|test|bench)(?:/|$)`,
  'Code under lambdas/ is bundled into Lambda functions: it never imports lib/, bin/, local/, test/ or bench/.',
);
const NO_LAMBDAS = boundary('^(?:\\.{1,2}/)+(?:.*/)?lambdas(?:/|$)', 'lib/ and contracts/ never import from lambdas/: shared pure data belongs in contracts/.');
const CONTRACTS_ARE_LEAVES = boundary(`${UP}(?:lib|local|bin)(?:/|$)`, 'contracts/ is shared pure data: it never imports lib/, local/ or bin/.');
const SHARED_IS_NOT_A_CAPABILITY = boundary(
  `^\\.\\./(?:${CAPABILITIES.join('|')})(?:/|$)`,
  'lambdas/shared/ never imports a capability folder (lambdas/<capability>/): move what it needs into lambdas/shared/.',
);
const WIRING = '(?:[^/]+-deps|runtime|wiring|config)(?:\\.ts)?$';
const noOtherWiring = (capability) =>
  boundary(
    `^(?:\\.\\./|${UP}lambdas/)(?!${capability}/|shared/)[^/]+/${WIRING}`,
    "A capability never imports another capability's wiring (*-deps.ts, runtime.ts, wiring.ts, config.ts): depend on the modules that wiring composes.",
  );

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

// The operator console (console/) is browser code, bundled by esbuild for the page: no Node module
// and no package but Preact; server code only for its types (erased from the bundle).
const CONSOLE_PACKAGES = boundary(
  '^(?!\\.|preact(?:/|$))',
  'The console is browser code: it imports no Node module and no package but preact (its bundle is what operators download).',
);
const CONSOLE_SERVER_TYPES = {
  ...boundary(`${UP}lambdas(?:/|$)`, 'The console runs in the browser: from lambdas/ it imports types only (import type …).'),
  allowTypeImports: true,
};
const CONSOLE_NO_SERVER = boundary(`${UP}(?:lib|local|bin|test|bench)(?:/|$)`, 'The console runs in the browser: it never imports lib/, local/, bin/, test/ or bench/.');

const boundaries = [
  { name: 'boundaries/lambdas-shared', files: ['lambdas/shared/**'], rules: restrict(NO_HANDLER, LAMBDAS_STAY_IN_LAMBDAS, SHARED_IS_NOT_A_CAPABILITY) },
  ...CAPABILITIES.map((capability) => ({
    name: `boundaries/lambdas-${capability}`,
    files: [`lambdas/${capability}/**`],
    rules: restrict(NO_HANDLER, LAMBDAS_STAY_IN_LAMBDAS, noOtherWiring(capability)),
  })),
  { name: 'boundaries/lambdas-root', files: ['lambdas/*'], rules: restrict(NO_HANDLER, LAMBDAS_STAY_IN_LAMBDAS) },
  { name: 'boundaries/lib', files: ['lib/**'], rules: restrict(NO_HANDLER, NO_LAMBDAS) },
  { name: 'boundaries/contracts', files: ['contracts/**'], rules: restrict(NO_HANDLER, NO_LAMBDAS, CONTRACTS_ARE_LEAVES) },
  { name: 'boundaries/bin', files: ['bin/**'], rules: restrict(NO_HANDLER) },
  {
    name: 'boundaries/console',
    files: ['console/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_HANDLER, CONSOLE_PACKAGES, CONSOLE_SERVER_TYPES, CONSOLE_NO_SERVER] }] },
  },
  // test/, local/ and bench/ drive the handlers, so they have no boundary.
];

export default tseslint.config(
  { name: 'ignores', ignores: ['**/node_modules/**', 'cdk.out/**', '.tracepool/**', 'coverage/**', 'bench/results/**'] },
  {
    name: 'base',
    files: LINTED.map((dir) => `${dir}/**/*.{ts,tsx,mts,cts,js,mjs,cjs}`),
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          // A leading underscore marks a deliberately unused name (a required parameter, a key dropped by destructuring).
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          // `const { pk, ...rest } = item` is how keys are left out of a copy.
          ignoreRestSiblings: true,
          // An unused `catch (error)` binding is harmless noise, not a bug.
          caughtErrors: 'none',
        },
      ],
    },
  },
  {
    name: 'commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      // .cjs files are plain Node CommonJS: require() is how they load modules.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    name: 'console',
    files: ['console/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'tests',
    files: ['test/**'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      // jest.isolateModules() re-evaluates a module only through a synchronous require().
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...boundaries,
);
