/**
 * Answers Step Functions task tokens (the lease-waiter hand-off). A token whose task no longer
 * waits — it timed out, was retried with a new token, or its execution ended — is `gone`: the
 * caller then gives back what it meant to hand over. Anything else (throttling, a network error)
 * throws, and the waiter stays for the sweep to finish.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskTokens } from '../lease/lease-waiters';

const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** SendTaskFailure's limits: error 256 characters, cause 32,768. */
const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

export function stepFunctionsTaskTokens(sfn: SFNClient): TaskTokens {
  const answer = async (send: () => Promise<unknown>): Promise<'sent' | 'gone'> => {
    try {
      await send();
      return 'sent';
    } catch (error) {
      if (GONE.has((error as Error).name)) return 'gone';
      throw error;
    }
  };
  return {
    succeed: (token, output) => answer(() => sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }))),
    fail: (token, error, cause) => answer(() => sfn.send(new SendTaskFailureCommand({ taskToken: token, error: clip(error, 256), cause: clip(cause, 32_768) }))),
  };
}
