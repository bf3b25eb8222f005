/**
 * The trace state machine as synthesized, run by the local runner: a state over Step Functions'
 * 256 KiB quota is terminal — none of the pipeline's Catch paths (release the lease, record the
 * failure) runs. That is why everything a page controls is bounded before it reaches the state
 * (lambdas/tracer/limits.ts); test/unit/local/stepfunctions-local.test.ts covers the runner itself.
 */
import { LocalStepFunctions } from '../../local/stepfunctions-local';
import { synthesizedDefinition } from '../../local/state-machine-definition';

const blob = (bytes: number) => 'x'.repeat(bytes);

describe('trace pipeline and the state quota', () => {
  test('on the synthesized trace state machine: a TraceHttp result over the quota is not caught — no release, no failure record', async () => {
    const calls: string[] = [];
    const sfn: LocalStepFunctions = new LocalStepFunctions(synthesizedDefinition(), {
      invokeTask: async (def, input) => {
        calls.push(def.id);
        if (def.id === 'AcquireLease') {
          const lease = { ipId: 'ip', fence: 1, leaseId: 'l', provider: 'local', country: 'us', acquiredAt: 1, notBefore: new Date(0).toISOString() };
          // A callback task: the function answers its own token when an IP is free.
          const { taskToken } = input as { taskToken?: string };
          if (taskToken === undefined) return lease;
          sfn.sendTaskSuccess(taskToken, JSON.stringify(lease));
          return null;
        }
        if (def.id === 'TraceHttp') return { needsBrowser: false, traceMs: 1, result: { outcome: 'error', finalUrl: blob(300 * 1024) } };
        return {};
      },
    });
    const e = sfn.start('quota', { request: { traceId: 't', attempt: 1 }, executionName: 'x', startedAt: 0 });
    await e.done;
    expect(e).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    // This is why no page may reach the state unbounded: the Catch → ReleaseAfterError → RecordFailure path never runs.
    expect(calls).toEqual(['AcquireLease', 'TraceHttp']);
  }, 60_000);
});
