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
