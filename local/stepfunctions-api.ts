// The Step Functions JSON API the local stack serves (StartExecution, DescribeExecution,
// ListExecutions, SendTask*), for its one state machine, over the local runner.
import { ServiceError, type JsonRpcHandlers } from './json-rpc-server';
import { assertInputSize } from './stepfunctions-tasks';
import type { ExecutionStatus, LocalExecution, LocalStepFunctions } from './stepfunctions-local';

export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tracepool-local-trace';

export function stepFunctionsApi(sfn: LocalStepFunctions): JsonRpcHandlers {
  const describe = (e: LocalExecution) => ({
    executionArn: e.executionArn,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    name: e.name,
    status: e.status,
    startDate: e.startDate / 1000,
    ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
    input: e.input,
    ...(e.output ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  });
  return {
    'AWSStepFunctions.StartExecution': async (input) => {
      if (input.stateMachineArn !== LOCAL_STATE_MACHINE_ARN) throw new ServiceError('StateMachineDoesNotExist', `no state machine ${String(input.stateMachineArn)}`);
      const name = String(input.name ?? crypto.randomUUID());
      const text = String(input.input ?? '{}');
      assertInputSize(Buffer.byteLength(text, 'utf8')); // the input as sent, before any parsing
      const e = sfn.start(name, JSON.parse(text));
      return { executionArn: e.executionArn, startDate: e.startDate / 1000 };
    },
    'AWSStepFunctions.DescribeExecution': async (input) => {
      const name =
        String(input.executionArn ?? '')
          .split(':')
          .pop() ?? '';
      const e = sfn.executions.get(name);
      if (!e) throw new ServiceError('ExecutionDoesNotExist', `no execution ${String(input.executionArn)}`);
      return describe(e);
    },
    'AWSStepFunctions.SendTaskSuccess': async (input) => {
      sfn.sendTaskSuccess(input.taskToken, input.output);
      return {};
    },
    'AWSStepFunctions.SendTaskFailure': async (input) => {
      sfn.sendTaskFailure(input.taskToken, input.error, input.cause);
      return {};
    },
    'AWSStepFunctions.SendTaskHeartbeat': async (input) => {
      sfn.sendTaskHeartbeat(input.taskToken);
      return {};
    },
    'AWSStepFunctions.ListExecutions': async (input) => {
      const filter = input.statusFilter as ExecutionStatus | undefined;
      const list = [...sfn.executions.values()].filter((e) => !filter || e.status === filter).reverse();
      return {
        executions: list.slice(0, Number(input.maxResults ?? 100)).map(({ executionArn, name, status, startDate, stopDate }) => ({
          executionArn,
          stateMachineArn: LOCAL_STATE_MACHINE_ARN,
          name,
          status,
          startDate: startDate / 1000,
          ...(stopDate ? { stopDate: stopDate / 1000 } : {}),
        })),
      };
    },
  };
}
