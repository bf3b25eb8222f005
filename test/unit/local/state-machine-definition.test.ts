/**
 * definitionFromTemplate on what CDK synthesizes for each way a LambdaInvoke can invoke: the
 * function's ARN as Resource (payloadResponseOnly), the optimized integration, and the callback
 * pattern (WAIT_FOR_TASK_TOKEN) — each mapped to its function, through the Fn::Join/GetAtt of the
 * template — and the local runner running the callback task of that synthesized definition.
 */
import { App, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DefinitionBody, IntegrationPattern, JsonPath, StateMachine, Succeed, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { definitionFromTemplate } from '../../../local/state-machine-definition';
import { LAMBDA_INVOKE, LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN, LocalStepFunctions } from '../../../local/stepfunctions-local';
import type { FunctionDef } from '../../../contracts/manifest/functions';

const fn = (id: string): FunctionDef => ({ id, entry: `unused/${id}.ts`, description: id });

/** A tiny stack: AcquireLease (callback) → Work (function ARN as Resource) → Plain (lambda:invoke) → Done. */
function synthesize() {
  const app = new App();
  const stack = new Stack(app, 'CallbackProbe');
  const inline = (id: string) =>
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});') });
  const acquireFn = inline('AcquireFn');
  const workFn = inline('WorkFn');
  const acquire = new LambdaInvoke(stack, 'AcquireLease', {
    lambdaFunction: acquireFn,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({ taskToken: JsonPath.taskToken, state: JsonPath.entirePayload }),
    resultPath: '$.lease',
    taskTimeout: Timeout.duration(Duration.seconds(60)),
  });
  acquire.addRetry({ errors: ['NoIpAvailable'], interval: Duration.seconds(5), maxAttempts: 2 });
  const work = new LambdaInvoke(stack, 'Work', { lambdaFunction: workFn, payloadResponseOnly: true, resultPath: '$.work' });
  const plain = new LambdaInvoke(stack, 'Plain', { lambdaFunction: workFn, resultPath: '$.plain', resultSelector: { 'payload.$': '$.Payload' } });
  new StateMachine(stack, 'Machine', { definitionBody: DefinitionBody.fromChainable(acquire.next(work).next(plain).next(new Succeed(stack, 'Done'))) });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  const logicalId = (f: lambda.Function) => stack.resolve(stack.getLogicalId(f.node.defaultChild as CfnElement)) as string;
  const byLogicalId = new Map([
    [logicalId(acquireFn), fn('AcquireLeaseFn')],
    [logicalId(workFn), fn('WorkFn')],
  ]);
  return { template, byLogicalId };
}

describe('definitionFromTemplate', () => {
  const { template, byLogicalId } = synthesize();
  const local = definitionFromTemplate(template.Resources, (id) => byLogicalId.get(id));
  const states = (local.definition as { States: Record<string, Record<string, unknown>> }).States;

  test('maps a callback task and an optimized-integration task by Parameters.FunctionName, and a direct one by Resource', () => {
    expect(Object.fromEntries(Object.entries(local.tasks).map(([state, def]) => [state, def.id]))).toEqual({
      AcquireLease: 'AcquireLeaseFn',
      Work: 'WorkFn',
      Plain: 'WorkFn',
    });
    expect(states.AcquireLease).toMatchObject({
      Resource: LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
      Parameters: {
        FunctionName: expect.stringMatching(/^arn:aws:lambda:us-east-1:000000000000:function:AcquireFn/),
        Payload: { 'taskToken.$': '$$.Task.Token', 'state.$': '$' },
      },
      TimeoutSeconds: 60,
      ResultPath: '$.lease',
    });
    expect(states.Plain).toMatchObject({ Resource: LAMBDA_INVOKE });
  });

  test('a function that is no function of the app is refused', () => {
    expect(() => definitionFromTemplate(template.Resources, (id) => (id.startsWith('AcquireFn') ? undefined : byLogicalId.get(id)))).toThrow(
      /task AcquireLease invokes "arn:aws:lambda:us-east-1:000000000000:function:AcquireFn\w+", which is no function of the app/,
    );
  });

  test('the local runner runs it: the callback function answers its own token, the others are invoked', async () => {
    const seen: [string, unknown][] = [];
    const sfn: LocalStepFunctions = new LocalStepFunctions(local, {
      invokeTask: async (def, input) => {
        seen.push([def.id, input]);
        if (def.id === 'AcquireLeaseFn') {
          // As the function would through the SDK: SendTaskSuccess before returning.
          sfn.sendTaskSuccess((input as { taskToken: string }).taskToken, JSON.stringify({ leaseId: 'l1' }));
          return null;
        }
        return { worked: true };
      },
    });
    const e = sfn.start('synthesized', { traceId: 't1' });
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(JSON.parse(e.output!)).toEqual({ traceId: 't1', lease: { leaseId: 'l1' }, work: { worked: true }, plain: { payload: { worked: true } } });
    expect(seen.map(([id]) => id)).toEqual(['AcquireLeaseFn', 'WorkFn', 'WorkFn']);
    expect(seen[0]![1]).toEqual({ taskToken: expect.any(String), state: { traceId: 't1' } });
    expect(seen[2]![1]).toEqual({ traceId: 't1', lease: { leaseId: 'l1' }, work: { worked: true } });
    expect(e.transitions).toBe(4);
  });
});
