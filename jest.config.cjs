// One jest run, four suites (see README "Tests"): unit (no network), integration (the real local
// DynamoDB / SQS endpoints), infra (CDK assertions + cdk-nag) and e2e (the whole local stack).
const esmPackages = [
  '@middy',
  'uuid',
  'commander',
  '@sparticuz',
  'puppeteer-core',
  'chromium-bidi',
  'tough-cookie',
  'zod',
  'aws-local-stepfunctions',
  'isbot',
  'proxy',
  'basic-auth-parser',
  'mmdb-lib',
  'undici',
  'parse5',
  'entities',
];
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } }];
const common = {
  testEnvironment: 'node',
  resolver: '<rootDir>/test/support/esm-resolver.cjs',
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  rootDir: __dirname,
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};
