import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/cdk-app';
import { functionById, FUNCTIONS } from '../../lib/manifest/functions';

const { stateless } = synthApp();
const machine = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'))[0]!;
const join = machine.Properties.DefinitionString['Fn::Join'][1] as (string | object)[];
/** The definition with every function ARN replaced by its logical id, parsed. */
const definition = JSON.parse(join.map((p) => (typeof p === 'string' ? p : `"${(p as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]}"`)).join('').replace(/""/g, '"')) as {
  TimeoutSeconds: number;
  States: Record<string, { Type: string; Resource?: string; TimeoutSeconds?: number; Retry?: { ErrorEquals: string[] }[]; Catch?: { ErrorEquals: string[]; Next: string }[] }>;
};
const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

describe('trace pipeline', () => {
  it('runs lock → trace → store → release with a browser branch', () => {
    expect(tasks.map(([name]) => name).sort()).toEqual(
      ['AcquireLease', 'TraceHttp', 'TraceBrowser', 'StoreResult', 'ReleaseLease', 'ReleaseAfterError', 'RecordFailure', 'UpdateTrackierCampaign'].sort(),
    );
    expect(definition.States['NeedsBrowser?']!.Type).toBe('Choice');
    // Only completed traces of a Trackier pair update its URL2 campaign; a failed update never fails the trace.
    expect(JSON.stringify(definition.States['TrackierPair?'])).toContain('$.request.pair');
    expect(definition.States.UpdateTrackierCampaign!.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Done' })]);
  });

  it('gives every task a timeout of at least its Lambda timeout, and the execution a deadline', () => {
    const byLogicalId = new Map(FUNCTIONS.map((f) => [f.id, f]));
    for (const [name, state] of tasks) {
      const fnId = [...byLogicalId.keys()].find((id) => String(state.Resource).startsWith(id));
      expect(fnId).toBeDefined();
      expect(state.TimeoutSeconds).toBeGreaterThanOrEqual(functionById(fnId!).timeoutSeconds ?? 10);
      expect(`${name}: ${state.Retry?.length ?? 0}`).not.toBe(`${name}: 0`);
    }
    // Below the 15-minute running deadline of the maintenance sweep.
    expect(definition.TimeoutSeconds).toBe(13 * 60);
  });

  it('retries NoIpAvailable with backoff and jitter, and catches every failure into release + record', () => {
    const acquire = definition.States.AcquireLease!;
    expect(acquire.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['NoIpAvailable'], BackoffRate: 2, JitterStrategy: 'FULL', MaxAttempts: 8 })]));
    expect(acquire.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['TraceSuperseded'], Next: 'Superseded' }),
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RecordFailure' }),
    ]);
    for (const name of ['TraceHttp', 'TraceBrowser', 'StoreResult']) {
      expect(definition.States[name]!.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'ReleaseAfterError' })]);
    }
    expect(definition.States.ReleaseAfterError!.Catch).toEqual([expect.objectContaining({ Next: 'RecordFailure' })]);
  });

  it('logs ALL events and traces with X-Ray', () => {
    stateless.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('feeds the starter from the trace queue with partial batch failures, and runs the schedules', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    stateless.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    stateless.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('lets only the starter start executions', () => {
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const starters = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('states:StartExecution'));
    expect(starters).toHaveLength(1);
    expect(JSON.stringify(starters[0]!.Properties.Roles)).toContain('TraceStarter');
  });
});
