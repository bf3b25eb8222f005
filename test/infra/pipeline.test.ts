import { Match } from 'aws-cdk-lib/assertions';
import { synthApp } from '../support/cdk-app';
import { functionById, FUNCTIONS } from '../../contracts/manifest/functions';

const { stateless } = synthApp();
const machine = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine'))[0]!;
const join = machine.Properties.DefinitionString['Fn::Join'][1] as (string | object)[];
/** The definition with every function ARN replaced by its logical id, parsed. */
const part = (p: string | object) => {
  if (typeof p === 'string') return p;
  if ('Ref' in p) return (p as { Ref: string }).Ref === 'AWS::Partition' ? 'aws' : `<${(p as { Ref: string }).Ref}>`;
  return `"${(p as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]}"`;
};
const definition = JSON.parse(join.map(part).join('').replace(/""/g, '"')) as {
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<
    string,
    {
      Type: string;
      Resource?: string;
      Parameters?: { FunctionName?: string; Payload?: Record<string, string> };
      TimeoutSeconds?: number;
      TimestampPath?: string;
      Next?: string;
      Choices?: { Next: string }[];
      Default?: string;
      End?: boolean;
      Retry?: { ErrorEquals: string[] }[];
      Catch?: { ErrorEquals: string[]; Next: string }[];
    }
  >;
};
const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');

/**
 * The states an execution goes through from `from` until a state without a successor, in order:
 * a Choice takes its first rule when `rules` says so for it, else its default.
 */
function walk(from: string, rules: readonly string[] = []): string[] {
  const visited: string[] = [];
  for (let name: string | undefined = from; name !== undefined;) {
    if (visited.includes(name)) throw new Error(`loop at ${name}: ${visited.join(' → ')}`);
    visited.push(name);
    const state: (typeof definition.States)[string] = definition.States[name]!;
    name = state.Type === 'Choice' ? (rules.includes(name) ? state.Choices![0]!.Next : state.Default) : state.Next;
  }
  return visited;
}

describe('trace pipeline', () => {
  it('runs lock → trace → release → store with a browser branch', () => {
    expect(tasks.map(([name]) => name).sort()).toEqual(
      ['AcquireLease', 'TraceHttp', 'TraceBrowser', 'StoreResult', 'ReleaseLease', 'ReleaseAfterError', 'RecordFailure', 'UpdateTrackierCampaign'].sort(),
    );
    // The states in the order an execution takes them: the IP goes back before the result is stored.
    expect(definition.StartAt).toBe('AcquireLease');
    expect(walk(definition.StartAt)).toEqual(['AcquireLease', 'LeaseStarts', 'TraceHttp', 'NeedsBrowser?', 'ReleaseLease', 'StoreResult', 'TrackierPair?', 'Done']);
    expect(walk(definition.StartAt, ['NeedsBrowser?', 'TrackierPair?'])).toEqual([
      'AcquireLease',
      'LeaseStarts',
      'TraceHttp',
      'NeedsBrowser?',
      'TraceBrowser',
      'ReleaseLease',
      'StoreResult',
      'TrackierPair?',
      'UpdateTrackierCampaign',
      'Done',
    ]);
    expect(walk('ReleaseAfterError')).toEqual(['ReleaseAfterError', 'RecordFailure', 'FailureRecorded']);
    expect(definition.States['NeedsBrowser?']!.Type).toBe('Choice');
    // Only completed traces of a Trackier pair update its URL2 campaign; a failed update never fails the trace.
    expect(JSON.stringify(definition.States['TrackierPair?'])).toContain('$.request.pair');
    expect(definition.States.UpdateTrackierCampaign!.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Done' })]);
  });

  it('gives every task a timeout of at least its Lambda timeout, and the execution a deadline', () => {
    const byLogicalId = new Map(FUNCTIONS.map((f) => [f.id, f]));
    for (const [name, state] of tasks) {
      const fnId = [...byLogicalId.keys()].find((id) => String(state.Parameters?.FunctionName ?? state.Resource).startsWith(id));
      expect(fnId).toBeDefined();
      expect(state.TimeoutSeconds).toBeGreaterThanOrEqual(functionById(fnId!).timeoutSeconds ?? 10);
      expect(`${name}: ${state.Retry?.length ?? 0}`).not.toBe(`${name}: 0`);
    }
    // The 15-minute lease patience plus 13 minutes for the trace itself.
    expect(definition.TimeoutSeconds).toBe(28 * 60);
  });

  it("sets the maintenance sweep's running deadline above the execution timeout", () => {
    const maintenance = Object.values(stateless.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f.Properties.Description ?? '').includes('lease waiters swept'),
    )!;
    expect(Number(maintenance.Properties.Environment.Variables.RUNNING_DEADLINE_MS)).toBe(30 * 60_000);
    expect(Number(maintenance.Properties.Environment.Variables.LEASE_PATIENCE_MS)).toBe(15 * 60_000);
  });

  it('waits for an IP on a task token, never by polling, and catches every failure into release + record', () => {
    const acquire = definition.States.AcquireLease!;
    expect(acquire.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(acquire.Parameters).toMatchObject({ FunctionName: expect.stringMatching(/^AcquireLease/), Payload: { 'taskToken.$': '$$.Task.Token', 'state.$': '$' } });
    // No retry on NoIpAvailable: it comes only when the patience ran out. The task's timeout backs the sweep up.
    expect(JSON.stringify(acquire.Retry ?? [])).not.toContain('NoIpAvailable');
    expect(acquire.TimeoutSeconds).toBe(18 * 60);
    // A reservation's lease starts when the IP's cooldown ends: one Wait state, no loop.
    expect(definition.States.LeaseStarts).toMatchObject({ Type: 'Wait', TimestampPath: '$.lease.notBefore', Next: 'TraceHttp' });
    expect(acquire.Next).toBe('LeaseStarts');
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

  it('lets only the lease functions answer task tokens', () => {
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const answering = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('states:SendTaskSuccess'));
    expect(answering.map((p) => JSON.stringify(p.Properties.Roles).match(/(AcquireLease|ReleaseLease|Maintenance)/)?.[1]).sort()).toEqual([
      'AcquireLease',
      'Maintenance',
      'ReleaseLease',
    ]);
  });
});
