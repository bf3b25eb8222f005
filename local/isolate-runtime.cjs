// @ts-check
/**
 * The runtime inside one local execution environment (a worker thread): what Lambda's Node.js
 * runtime interface client does in AWS. It loads the function's code once (init), then runs one
 * invocation at a time: parses the event, calls the handler with a Lambda context, serializes the
 * result to JSON, or reports the error as `{errorType, errorMessage, trace}`.
 *
 * Plain JavaScript on purpose: an isolate running a synthesized bundle must load nothing but that
 * bundle — no TypeScript loader — just as in Lambda. Only source isolates register the loaders
 * they are handed (tsx, ESM-only resolution). The message types are in isolate-protocol.ts.
 */
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');

/** @typedef {import('./isolate-protocol').IsolateInit} IsolateInit */
/** @typedef {import('./isolate-protocol').IsolateMessage} IsolateMessage */
/** @typedef {import('./isolate-protocol').InvokeMessage} InvokeMessage */
/** @typedef {import('./isolate-protocol').LambdaErrorPayload} LambdaErrorPayload */

if (!parentPort) throw new Error('isolate-runtime.cjs runs inside a worker thread');
const port = parentPort;
/** @type {IsolateInit} */
const init = workerData;

/** @param {IsolateMessage} message */
const post = (message) => port.postMessage(message);

// In Lambda every process of an execution environment dies with it. A worker thread's children
// (Chromium, spawned by the browser tracer) belong to the host process and would outlive the
// isolate: each one is announced, so the host ends it with the isolate.
{
  const childProcess = require('node:child_process');
  const { syncBuiltinESMExports } = require('node:module');
  const spawn = childProcess.spawn;
  /** @type {typeof childProcess.spawn} */
  const announced = /** @type {any} */ (
    function (/** @type {any[]} */ ...args) {
      const child = /** @type {import('node:child_process').ChildProcess} */ (Reflect.apply(spawn, childProcess, args));
      const { pid } = child;
      if (pid !== undefined) {
        post({ type: 'child', pid });
        child.once('exit', () => post({ type: 'child-exit', pid }));
      }
      return child;
    }
  );
  childProcess.spawn = announced;
  syncBuiltinESMExports();
}

/**
 * @param {unknown} error
 * @param {string} [errorType]
 * @returns {LambdaErrorPayload}
 */
function toPayload(error, errorType) {
  if (error instanceof Error) {
    return {
      errorType: errorType ?? (error.name || 'Error'),
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: errorType ?? 'Error', errorMessage: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)) };
}

/** Lambda's names for a failed init, so a broken bundle looks the same here as in AWS. */
function initErrorType(/** @type {unknown} */ error) {
  const code = /** @type {{ code?: unknown }} */ (error)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return 'Runtime.ImportModuleError';
  if (error instanceof SyntaxError) return 'Runtime.UserCodeSyntaxError';
  return undefined;
}

/** @returns {Promise<(event: unknown, context: object) => unknown>} */
async function loadHandler() {
  const { code } = init;
  /** @type {Record<string, unknown>} */
  let mod;
  if (code.kind === 'source') {
    for (const loader of init.sourceLoaders) require(loader);
    mod = require(code.file);
  } else {
    mod = await import(pathToFileURL(code.file).href);
  }
  const candidate = mod[code.exportName] ?? /** @type {Record<string, unknown> | undefined} */ (mod.default)?.[code.exportName];
  if (typeof candidate !== 'function') {
    const error = new Error(`${code.file} does not export ${code.exportName}`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return /** @type {(event: unknown, context: object) => unknown} */ (candidate);
}

/** The invocation in flight (one at a time), for errors that surface outside the handler's promise. */
/** @type {string | undefined} */
let current;

// Lambda's Node.js runtime fails the invocation on an unhandled rejection and restarts the
// environment: the host ends this isolate once it has the error (a message posted right before
// process.exit can be lost), or the thread exits when no invocation is there to fail.
process.on('unhandledRejection', (reason) => {
  if (current) post({ type: 'error', requestId: current, error: toPayload(reason, 'Runtime.UnhandledPromiseRejection') });
  else process.exit(128);
});

/**
 * @param {InvokeMessage} message
 * @param {(event: unknown, context: object) => unknown} handler
 */
async function invoke(message, handler) {
  current = message.requestId;
  process.env._X_AMZN_TRACE_ID = message.traceHeader;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${init.functionName}`,
    memoryLimitInMB: String(init.memoryMb),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${init.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  try {
    const result = await handler(JSON.parse(message.event), context);
    /** @type {string} */
    let payload;
    try {
      payload = JSON.stringify(result) ?? 'null';
    } catch (error) {
      post({ type: 'error', requestId: message.requestId, error: toPayload(error, 'Runtime.MarshalError') });
      return;
    }
    post({ type: 'result', requestId: message.requestId, payload });
  } catch (error) {
    post({ type: 'error', requestId: message.requestId, error: toPayload(error) });
  } finally {
    current = undefined;
  }
}

loadHandler().then(
  (handler) => {
    port.on('message', (/** @type {InvokeMessage} */ message) => {
      if (message.type === 'invoke') void invoke(message, handler);
    });
    post({ type: 'ready' });
  },
  (error) => {
    post({ type: 'init-error', error: toPayload(error, initErrorType(error)) });
  },
);
