import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  IntegrationPattern,
  JsonPath,
  TaskInput,
  Wait,
  WaitTime,
  Condition,
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  Timeout,
  type IChainable,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ENV } from '../../contracts/manifest/env';
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
   * The whole execution's deadline. The maintenance sweep's running deadline is set 2 minutes
   * above it, so a trace is only declared a timeout once its execution has certainly ended.
   * @default leasePatience + 13 minutes
   */
  readonly executionTimeout?: Duration;
  /**
   * How long AcquireLease's callback task waits in the lease-waiter queue. The minute sweep ends
   * a waiter past it with NoIpAvailable; the task's own timeout, a few minutes later, is the backstop.
   * @default Duration.minutes(15)
   */
  readonly leasePatience?: Duration;
}

/** What a trace may take after its lease starts: trace, release, store, Trackier update, with room. */
const TRACE_PATH = Duration.minutes(13);
/** The running deadline's margin over the execution timeout: only ended executions are swept. */
const SWEEP_MARGIN = Duration.minutes(2);

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
  public readonly leasePatience: Duration;
  /** The lease wait plus the trace's own path. */
  public readonly executionTimeout: Duration;
  /** When the maintenance sweep may declare a running trace a timeout: after its execution surely ended. */
  public readonly runningDeadline: Duration;

  constructor(scope: Construct, id: string, props: TracePipelineProps) {
    super(scope, id);
    const f = props.functions;
    this.executionTimeout = props.executionTimeout ?? (props.leasePatience ?? Duration.minutes(15)).plus(TRACE_PATH);
    this.runningDeadline = this.executionTimeout.plus(SWEEP_MARGIN);

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

    // A callback task: the function answers its own token when an IP is free, or queues the trace
    // and a release (or the minute sweep) answers it with the next IP of its country. Waiting
    // costs no state transitions; NoIpAvailable comes only when the patience runs out.
    const patience = props.leasePatience ?? Duration.minutes(15);
    this.leasePatience = patience;
    const acquire = new LambdaInvoke(this, 'AcquireLease', {
      stateName: 'AcquireLease',
      lambdaFunction: f.acquireLease,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ taskToken: JsonPath.taskToken, state: JsonPath.entirePayload }),
      resultPath: '$.lease',
      taskTimeout: Timeout.duration(patience.plus(Duration.minutes(3))),
      retryOnServiceExceptions: true,
    });
    acquire.addCatch(superseded, { errors: ['TraceSuperseded'], resultPath: '$.error' });
    acquire.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    // A reserved IP is still cooling down: its lease starts when the cooldown ends (free IPs: now).
    const waitForLease = new Wait(this, 'LeaseStarts', { stateName: 'LeaseStarts', time: WaitTime.timestampPath('$.lease.notBefore') });

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
    // An unreleased lease simply expires: a failed release goes on to StoreResult, which then
    // judges by the clock whether the lease can still have held ($.releaseError).
    release.addCatch(store, { errors: ['States.ALL'], resultPath: '$.releaseError' });

    // The IP goes back as soon as the tracer is done with it (its health judged from the result),
    // and the release's outcome ($.release) is the fence: StoreResult keeps the result only if the
    // conditional release found the lease still this trace's (not lease_lost).
    const needsBrowser = new Choice(this, 'NeedsBrowser?', { stateName: 'NeedsBrowser?' })
      .when(Condition.booleanEquals('$.trace.needsBrowser', true), traceBrowser)
      .otherwise(release);
    traceBrowser.next(release);
    const definition = acquire.next(waitForLease).next(traceHttp).next(needsBrowser);
    release.next(store);
    store.next(afterRelease);

    this.logs = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      stateMachineType: props.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      timeout: this.executionTimeout,
      tracingEnabled: true,
      logs: { destination: this.logs, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeInvokeGrants([
      f.acquireLease,
      f.traceHttp,
      f.traceBrowser,
      f.storeResult,
      f.releaseLease,
      f.recordFailure,
      ...(f.updateTrackierCampaign ? [f.updateTrackierCampaign] : []),
    ]);
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

  /**
   * Lets a function answer task tokens (the lease-waiter hand-off). SendTaskSuccess and
   * SendTaskFailure accept no resource scope in IAM: the unguessable token is the capability.
   */
  grantTaskResponse(fn: ServiceFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'] }));
    fn.addEnvironment(ENV.leasePatienceMs, String(this.leasePatience.toMilliseconds()));
    fn.addEnvironment(ENV.runningDeadlineMs, String(this.runningDeadline.toMilliseconds()));
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'states:SendTaskSuccess/SendTaskFailure accept no resource scope; the task token is the capability (lease-waiter hand-off).',
    });
  }

  /** Lets a function start executions (the starter; the Trackier test route). */
  grantStart(fn: ServiceFunction): void {
    this.stateMachine.grantStartExecution(fn);
    fn.addEnvironment(ENV.stateMachineArn, this.stateMachine.stateMachineArn);
  }
}
