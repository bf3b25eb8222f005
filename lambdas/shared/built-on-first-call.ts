/**
 * A Lambda handler built on the first invocation of its execution environment and kept: importing
 * a handler module needs no environment (a test builds its own from makeHandler), and a missing or
 * invalid variable still fails that first invocation loudly.
 */
import type { Context } from 'aws-lambda';

type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export function builtOnFirstCall<E, R>(build: () => LambdaHandler<E, R>): LambdaHandler<E, R> {
  let built: LambdaHandler<E, R> | undefined;
  return (event, context) => (built ??= build())(event, context);
}
