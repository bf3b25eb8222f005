/**
 * A test-only Lambda handler for the local Lambda service's tests (never in the manifest): each
 * event asks it to misbehave in one of the ways a real function can — run long, block its thread,
 * crash, throw, answer too much — or to report its module state and environment.
 */
import { spawn } from 'node:child_process';

let invocations = 0;

class NoIpAvailable extends Error {
  override readonly name = 'NoIpAvailable';
}

export interface ProbeEvent {
  readonly action?: 'state' | 'sleep' | 'spin' | 'throw' | 'exit' | 'reject' | 'big' | 'hog' | 'child';
  readonly ms?: number;
  readonly mb?: number;
  /** API Gateway events carry the action in the query string. */
  readonly queryStringParameters?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = async (event: ProbeEvent, context: { getRemainingTimeInMillis(): number; functionName: string }) => {
  invocations++;
  const action = event.action ?? event.queryStringParameters?.action ?? 'state';
  const ms = Number(event.ms ?? event.queryStringParameters?.ms ?? 0);
  switch (action) {
    case 'sleep':
      await sleep(ms);
      return { statusCode: 200, body: JSON.stringify({ slept: ms }) };
    case 'spin': {
      // A blocking call: nothing else on this thread runs until it ends.
      const until = Date.now() + ms;
      while (Date.now() < until) Math.sqrt(Math.random());
      return { spun: ms };
    }
    case 'throw':
      throw new NoIpAvailable('no free IP in us');
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough -- process.exit() never returns
    case 'reject':
      void Promise.reject(new Error('forgotten promise'));
      await sleep(1000);
      return { unreachable: true };
    case 'hog': {
      // Memory it never lets go of, past any heap.
      const kept: number[][] = [];
      for (;;) kept.push(new Array(1_000_000).fill(kept.length));
    }
    case 'child': {
      // A process left running, as a warm browser is (detached: a group leader, as Puppeteer starts Chromium).
      const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
      child.unref();
      return { pid: child.pid };
    }
    case 'big':
      return { blob: 'x'.repeat(Math.round(Number(event.mb ?? event.queryStringParameters?.mb ?? 7) * 1024 * 1024)) };
    default:
      return {
        invocations,
        probe: process.env.PROBE ?? null,
        hostOnly: process.env.TRACEPOOL_TEST_HOST_ONLY ?? null,
        functionName: context.functionName,
        remainingMs: context.getRemainingTimeInMillis(),
        traceHeader: process.env._X_AMZN_TRACE_ID ?? null,
      };
  }
};
