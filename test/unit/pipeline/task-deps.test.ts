/**
 * Each Step Functions task builds its collaborators from exactly the environment the CDK gives its
 * function: the table variables of the tables its manifest entry grants, plus the shared ones. The
 * local stack sets every variable for every handler, so only this test sees a task reaching for a
 * table it is not granted (in AWS: a ConfigError on every invocation).
 */
import { functionById } from '../../../contracts/manifest/functions';
import { ENV, tableEnv } from '../../../contracts/manifest/env';
import type { TableId } from '../../../contracts/manifest/tables';

type DepsModule = typeof import('../../../lambdas/pipeline/pipeline-deps');

const TASKS: [functionId: string, builder: keyof DepsModule][] = [
  ['AcquireLease', 'acquireLeaseDeps'],
  ['TraceHttp', 'traceTaskDeps'],
  ['TraceBrowser', 'traceTaskDeps'],
  ['StoreResult', 'storeResultDeps'],
  ['ReleaseLease', 'releaseLeaseDeps'],
  ['RecordFailure', 'recordFailureDeps'],
];

/** What the stateless stack sets on the function: the shared variables and its tables' names. */
function lambdaEnv(functionId: string): NodeJS.ProcessEnv {
  const def = functionById(functionId);
  return {
    AWS_REGION: 'eu-west-1',
    [ENV.proxyProviders]: 'default',
    [ENV.providerSecretPrefix]: 'tracepool/dev/proxy/',
    ...Object.fromEntries(Object.keys(def.tables ?? {}).map((id) => [tableEnv(id as TableId), `Tracepool-${id}`])),
  };
}

describe('pipeline task collaborators', () => {
  const saved = process.env;
  afterEach(() => {
    process.env = saved;
  });

  it.each(TASKS)('%s builds its collaborators from its own environment only', (functionId, builder) => {
    process.env = lambdaEnv(functionId);
    jest.isolateModules(() => {
      const deps = (require('../../../lambdas/pipeline/pipeline-deps') as DepsModule)[builder] as () => unknown;
      expect(() => deps()).not.toThrow();
    });
  });

  // What the starter and schedule handlers ask pipeline-deps for when invoked.
  it.each<[string, (m: DepsModule) => unknown]>([
    ['TraceStarter', (m) => [m.traceRepository(), m.tables().ops]], // Ops: click ids seen, trace budgets
    ['Maintenance', (m) => [m.traceRepository(), m.tables().ipPool, m.tables().ops]],
    ['RetrySchedule', (m) => [m.traceRepository(), m.tables().catalog, m.tables().ops]],
  ])('%s finds the tables it uses in its own environment', (functionId, use) => {
    process.env = lambdaEnv(functionId);
    jest.isolateModules(() => {
      const m = require('../../../lambdas/pipeline/pipeline-deps') as DepsModule;
      expect(() => use(m)).not.toThrow();
    });
  });

  it('gives the tracing tasks no table at all', () => {
    for (const id of ['TraceHttp', 'TraceBrowser']) {
      expect(Object.keys(lambdaEnv(id)).filter((k) => k.startsWith('TABLE_'))).toEqual([]);
    }
  });
});
