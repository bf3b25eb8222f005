/**
 * What a synthesized template's references become locally: a table's name and ARN, a queue's URL,
 * ARN and name, a secret's ARN, the state machine's ARN, a marker for the Cognito sign-in (the
 * local stack signs in with its admin token). Anything else a function's environment
 * points at has no local stand-in, and the local stack refuses to start rather than guess.
 */
import type { QueueUrls, TableNames } from './provision';
import { queueOf, tableOf, type LocalValueOf } from './synthesized-app';
import { LOCAL_REGION } from './net';

/** What a reference to the operators' Cognito user pool, client or domain becomes locally. */
export const COGNITO_NOT_LOCAL = 'no-cognito-on-the-local-stack';

export interface StandInResources {
  readonly tables: TableNames;
  readonly queues: QueueUrls;
  readonly stateMachineArn: string;
  /** A secret's ARN in the local Secrets Manager, by the secret's name. */
  readonly secretArn: (name: string) => string;
}

export function localStandIns(local: StandInResources): LocalValueOf {
  return (reference, where) => {
    const unsupported = () => new Error(`${where}: no local stand-in for ${reference.attribute} of ${reference.type} ${reference.cdkPath || reference.logicalId}`);
    const table = tableOf(reference);
    if (table) {
      const name = local.tables[table];
      if (reference.attribute === 'Ref') return name;
      if (reference.attribute === 'Arn') return `arn:aws:dynamodb:${LOCAL_REGION}:000000000000:table/${name}`;
      throw unsupported();
    }
    const queue = queueOf(reference);
    if (queue) {
      const url = queue.dlq ? local.queues.dlqs[queue.id] : local.queues.queues[queue.id];
      if (reference.attribute === 'Ref' || reference.attribute === 'QueueUrl') return url;
      if (reference.attribute === 'QueueName') return url.split('/').pop()!;
      if (reference.attribute === 'Arn') return queue.dlq ? local.queues.dlqArns[queue.id] : local.queues.dlqArns[queue.id].replace(/-dlq$/, '');
      throw unsupported();
    }
    if (reference.type === 'AWS::SecretsManager::Secret' && typeof reference.properties.Name === 'string' && reference.attribute === 'Ref') {
      return local.secretArn(reference.properties.Name);
    }
    if (reference.type === 'AWS::StepFunctions::StateMachine' && ['Ref', 'Arn'].includes(reference.attribute)) return local.stateMachineArn;
    // The operators' Cognito sign-in has no local twin: the local stack signs the console in with
    // its admin token instead (CONSOLE_SIGN_IN, a local switch), so these values are never read.
    if (reference.type.startsWith('AWS::Cognito::UserPool') && reference.attribute === 'Ref') return COGNITO_NOT_LOCAL;
    throw unsupported();
  };
}
