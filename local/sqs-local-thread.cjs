// @ts-check
/**
 * local-aws-sqs on its own thread (see sqs-local.ts): the server that every function's
 * SendMessage and every poller's ReceiveMessage reach must not share an event loop with the HTTP
 * API or the Step Functions runner, or a busy pipeline slows the click's enqueue.
 */
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createSqsServer } = require('local-aws-sqs');

createSqsServer({
  port: workerData.port,
  hostname: '127.0.0.1',
  // Tests and restarts recreate queues by name at once; AWS's 60 s rule would only get in the way.
  emulateQueueCreationLifecycle: false,
}).then(
  () => parentPort?.postMessage({ ready: true }),
  (/** @type {Error} */ error) => parentPort?.postMessage({ error: error.message }),
);
