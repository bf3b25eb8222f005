import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  JitterType,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  Timeout,
  type IChainable,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENV } from '../manifest/env';
import type { ServiceFunction } from './service-function';

export interface TracePipelineFunctions {
  readonly acquireLease: ServiceFunction;
  readonly traceHttp: ServiceFunction;
  readonly traceBrowser: ServiceFunction;
  readonly storeResult: ServiceFunction;
  readonly releaseLease: ServiceFunction;
  readonly recordFailure: ServiceFunction;
  /** Runs after a completed trace that came from a Trackier pair. */
  readonly updateTrackierCampaign?: IFunction;
}

export interface TracePipelineProps {
  readonly functions: TracePipelineFunctions;
  /**
   * STANDARD: exactly-once executions named after the trace (a redelivered message cannot start a
   * second one), full history. EXPRESS: far cheaper per execution at high volume, but names are
   * not deduplicated and history lives only in the logs (README: "Standard or Express").
   * @default 'STANDARD'
   */
  readonly type?: 'STANDARD' | 'EXPRESS';
  /**
   * The whole execution's deadline. Must stay below the maintenance sweep's running deadline
   * (15 min) so a trace is only declared a timeout once its execution has certainly ended.
   * @default Duration.minutes(13)
   */
  readonly executionTimeout?: Duration;
}

/** Task timeout: at least the Lambda timeout, plus room for the invoke itself. */
const taskTimeout = (fn: ServiceFunction) => Timeout.duration(Duration.seconds((fn.def.timeoutSeconds ?? 10) + 5));

/**
 * The "trace" state machine: AcquireLease → TraceHttp → (needs browser?) → TraceBrowser →
 * ReleaseLease → StoreResult → (Trackier pair?) UpdateTrackierCampaign. Every failure path
 * releases the lease with its failure class and records the failure (retry or dead letter).
 */
export class TracePipeline extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly logs: LogGroup;

  constructor(scope: Construct, id: string, props: TracePipelineProps) {
    super(scope, id);
    const f = props.functions;

    const invoke = (name: string, fn: ServiceFunction, resultPath: string) =>
      new LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: fn,
        payloadResponseOnly: true,
        resultPath,
        taskTimeout: taskTimeout(fn),
        retryOnServiceExceptions: true,
      });

    const done = new Succeed(this, 'Done', { stateName: 'Done' });
    const superseded = new Succeed(this, 'Superseded', { stateName: 'Superseded', comment: 'A newer attempt owns the trace.' });
    const failureRecorded = new Succeed(this, 'FailureRecorded', { stateName: 'FailureRecorded' });

    const recordFailure = invoke('RecordFailure', f.recordFailure, '$.stored');
    recordFailure.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2 });
    recordFailure.next(failureRecorded);

    const releaseAfterError = invoke('ReleaseAfterError', f.releaseLease, '$.release');
    releaseAfterError.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 2 });
    // An unreleased lease simply expires: never let the release block recording the failure.
    releaseAfterError.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.releaseError' });
    releaseAfterError.next(recordFailure);

    const acquire = invoke('AcquireLease', f.acquireLease, '$.lease');
    acquire.addRetry({
      errors: ['NoIpAvailable'],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 8,
      maxDelay: Duration.seconds(60),
      jitterStrategy: JitterType.FULL,
    });
    acquire.addCatch(superseded, { errors: ['TraceSuperseded'], resultPath: '$.error' });
    acquire.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });

    const traceHttp = invoke('TraceHttp', f.traceHttp, '$.trace');
    const traceBrowser = invoke('TraceBrowser', f.traceBrowser, '$.trace');
    const store = invoke('StoreResult', f.storeResult, '$.stored');
    const release = invoke('ReleaseLease', f.releaseLease, '$.release');
    release.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 2 });
    for (const task of [traceHttp, traceBrowser, store]) {
      task.addCatch(releaseAfterError, { errors: ['States.ALL'], resultPath: '$.error' });
    }

    let afterRelease: IChainable = done;
    if (f.updateTrackierCampaign) {
      const update = new LambdaInvoke(this, 'UpdateTrackierCampaign', {
        stateName: 'UpdateTrackierCampaign',
        lambdaFunction: f.updateTrackierCampaign,
        payloadResponseOnly: true,
        resultPath: '$.trackier',
        taskTimeout: Timeout.duration(Duration.seconds(35)),
        retryOnServiceExceptions: true,
        // Its failures become retried side effects inside the task; the trace itself is done.
      });
      update.addCatch(done, { errors: ['States.ALL'], resultPath: '$.trackierError' });
      afterRelease = new Choice(this, 'TrackierPair?', { stateName: 'TrackierPair?' })
        .when(Condition.and(Condition.isPresent('$.request.pair'), Condition.stringEquals('$.stored.status', 'completed')), update.next(done))
        .otherwise(done);
    }
    // An unreleased lease simply expires: a failed release must not lose the result.
    release.addCatch(store, { errors: ['States.ALL'], resultPath: '$.releaseError' });

    // The IP goes back as soon as the tracer is done with it (its health judged from the result);
    // storing the result needs no lease: the trace record's fence guards it.
    const needsBrowser = new Choice(this, 'NeedsBrowser?', { stateName: 'NeedsBrowser?' })
      .when(Condition.booleanEquals('$.trace.needsBrowser', true), traceBrowser)
      .otherwise(release);
    traceBrowser.next(release);
    const definition = acquire.next(traceHttp).next(needsBrowser);
    release.next(store);
    store.next(afterRelease);

    this.logs = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: props.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      timeout: props.executionTimeout ?? Duration.minutes(13),
      tracingEnabled: true,
      logs: { destination: this.logs, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeInvokeGrants([f.acquireLease, f.traceHttp, f.traceBrowser, f.storeResult, f.releaseLease, f.recordFailure, ...(f.updateTrackierCampaign ? [f.updateTrackierCampaign] : [])]);
  }

  /** Each task function's `<arn>:*` grant (its versions and aliases), which LambdaInvoke adds. */
  private acknowledgeInvokeGrants(functions: IFunction[]): void {
    const stack = Stack.of(this);
    for (const fn of functions) {
      const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement)) as string;
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'Step Functions may invoke any version or alias of this one task function; no other function.',
      });
    }
  }

  /** Lets a function start executions (the starter; the Trackier test route). */
  grantStart(fn: ServiceFunction): void {
    this.stateMachine.grantStartExecution(fn);
    fn.addEnvironment(ENV.stateMachineArn, this.stateMachine.stateMachineArn);
  }
}
