/**
 * The local stack for an e2e suite: on the run's shared endpoints, a free port, its own tables and
 * queues — and IAM enforced, as in AWS, unless a suite turns it off: each function may call only
 * what its synthesized policy allows (from sources: the run's shared synth; fromSynth: cdk.out's).
 */
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { uniquePrefix } from './local-endpoints';
import { sharedIamTemplates } from './iam-templates';

/**
 * How long a suite's beforeAll may take to start its stack: seconds on a quiet machine, but every
 * function's isolate is a fresh worker, and on two cores shared with other suites that can take
 * a minute or more.
 */
export const STACK_START_MS = 180_000;

export async function startTestStack(label: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  const stack = await startLocalStack({
    port: 0,
    prefix: uniquePrefix(label),
    dynamoEndpoint: process.env.TEST_DDB_ENDPOINT,
    sqsEndpoint: process.env.TEST_SQS_ENDPOINT,
    logLevel: 'SILENT',
    proxyBasePort: 0,
    enforceIam: true,
    ...options,
    ...(options.enforceIam !== false && !options.fromSynth && !options.iamTemplates ? { iamTemplates: await sharedIamTemplates() } : {}),
  });
  // Tests time the pipeline: its functions' isolates are loaded before the first test runs, not during it.
  await stack.warmed.catch(async (error: unknown) => {
    await stack.stop();
    throw error;
  });
  return stack;
}
