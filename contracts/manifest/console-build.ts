/**
 * How the operator console (console/) is built: one esbuild run from the TypeScript sources to
 * `main.js` and `styles.css`. The CDK runs it with the esbuild CLI next to the Console function's
 * bundle at synth (ServiceFunction), the local stack with esbuild's API at start-up
 * (local/console-build.ts): both from these options, so what the local stack serves is what deploys.
 */
export const CONSOLE_BUILD = {
  /** Relative to the repository root; each becomes `<name>.js` / `<name>.css` in the output. */
  entryPoints: ['console/src/main.tsx', 'console/src/styles.css'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // Browsers of the last few years: no transpiling of what they all run natively.
  target: 'es2020',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  charset: 'utf8',
} as const;

/** The files the build writes, which the Console function serves. */
export const CONSOLE_FILES = ['main.js', 'styles.css'] as const;

/** The subdirectory of the Console function's asset that holds them (and where CONSOLE_ASSETS_DIR points in Lambda). */
export const CONSOLE_ASSET_DIR = 'console';

/** The options for esbuild's API. */
export const consoleEsbuildOptions = (projectRoot: string, outdir: string) => ({
  ...CONSOLE_BUILD,
  entryPoints: CONSOLE_BUILD.entryPoints.map((e) => `${projectRoot}/${e}`),
  outdir,
  absWorkingDir: projectRoot,
  logLevel: 'warning' as const,
});

/** The same options as esbuild CLI arguments (NodejsFunction's command hooks run shell commands). */
export const consoleEsbuildArgs = (projectRoot: string, outdir: string): string[] => [
  ...CONSOLE_BUILD.entryPoints.map((e) => `${projectRoot}/${e}`),
  '--bundle',
  `--format=${CONSOLE_BUILD.format}`,
  `--platform=${CONSOLE_BUILD.platform}`,
  `--target=${CONSOLE_BUILD.target}`,
  '--minify',
  `--jsx=${CONSOLE_BUILD.jsx}`,
  `--jsx-import-source=${CONSOLE_BUILD.jsxImportSource}`,
  `--legal-comments=${CONSOLE_BUILD.legalComments}`,
  `--charset=${CONSOLE_BUILD.charset}`,
  `--outdir=${outdir}`,
  '--log-level=warning',
];
