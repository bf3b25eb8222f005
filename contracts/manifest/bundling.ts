/**
 * How a handler becomes a Lambda bundle. The CDK (ServiceFunction) and the click benchmark both
 * use these, so the benchmark measures exactly what is deployed.
 */
export const BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // ESM bundles of CJS dependencies still call require() for Node built-ins.
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
  /** Module swaps for the Lambda bundles (see lambdas/shared/lambda-credentials.ts). Paths from the repository root. */
  alias: { '@aws-sdk/credential-provider-node': 'lambdas/shared/lambda-credentials.ts' },
} as const;

/** NODE_OPTIONS a function runs with in Lambda (the click benchmark starts its processes with the same). */
export const nodeOptions = (def: { readonly sourceMapsAtRuntime?: boolean }): string => (def.sourceMapsAtRuntime === false ? '' : '--enable-source-maps');

/**
 * The same options for the esbuild API, for the bundles the benchmark times and the tests inspect
 * (the CDK passes BUNDLE to NodejsFunction, which runs the esbuild CLI with them).
 */
export const esbuildOptions = (projectRoot: string) => ({
  bundle: true,
  format: BUNDLE.format,
  platform: BUNDLE.platform,
  target: BUNDLE.target,
  minify: BUNDLE.minify,
  sourcemap: BUNDLE.sourceMap,
  mainFields: [...BUNDLE.mainFields],
  banner: { js: BUNDLE.banner },
  alias: Object.fromEntries(Object.entries(BUNDLE.alias).map(([from, to]) => [from, `${projectRoot}/${to}`])),
  logLevel: 'silent' as const,
});
