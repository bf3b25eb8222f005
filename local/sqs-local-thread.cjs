// @ts-check
/**
 * local-aws-sqs on its own thread (see sqs-local.ts): the server that every function's
 * SendMessage and every poller's ReceiveMessage reach must not share an event loop with the HTTP
 * API or the Step Functions runner, or a busy pipeline slows the click's enqueue.
 *
 * One correction in front of it: local-aws-sqs measures a message against the queue's
 * MaximumMessageSize in UTF-16 code units, SQS in UTF-8 bytes, so 140,000 "é" (280,000 bytes)
 * would pass here and fail in AWS. A message over the limit in bytes is handed to local-aws-sqs
 * with its strings widened to their byte length, so it refuses it with its own (SQS's) error.
 */
'use strict';
const http = require('node:http');
const { PassThrough } = require('node:stream');
const { parentPort, workerData } = require('node:worker_threads');
const { createRequestHandler } = require('local-aws-sqs');

const { service, requestHandler } = createRequestHandler({
  port: workerData.port,
  hostname: '127.0.0.1',
  // Tests and restarts recreate queues by name at once; AWS's 60 s rule would only get in the way.
  emulateQueueCreationLifecycle: false,
});

/** @param {unknown} value */
const bytes = (value) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
/** @param {unknown} value */
const chars = (value) => (typeof value === 'string' ? value.length : 0);

/**
 * What SQS counts against MaximumMessageSize (body, attribute names, types and values), in bytes
 * and in the code units local-aws-sqs counts.
 * @param {Record<string, any>} message
 */
function sizes(message) {
  let b = bytes(message.MessageBody);
  let c = chars(message.MessageBody);
  for (const [name, attribute] of Object.entries(message.MessageAttributes ?? {})) {
    b += bytes(name);
    c += chars(name);
    for (const field of ['DataType', 'StringValue', 'BinaryValue']) {
      b += bytes(attribute?.[field]);
      c += chars(attribute?.[field]);
    }
  }
  return { bytes: b, chars: c };
}

/** @param {unknown} queueUrl */
function maxSizeOf(queueUrl) {
  if (typeof queueUrl !== 'string') return undefined;
  const name = queueUrl.split('/').filter(Boolean).pop();
  const queue = /** @type {{ QueueName: string, MaximumMessageSize: number }[]} */ (service.Queues).find((q) => q.QueueName === name);
  return queue ? Number(queue.MaximumMessageSize) : undefined;
}

/** @param {Record<string, any>} message */
function widen(message) {
  if (typeof message.MessageBody === 'string') message.MessageBody = 'x'.repeat(bytes(message.MessageBody));
  for (const attribute of Object.values(message.MessageAttributes ?? {})) {
    for (const field of ['StringValue', 'BinaryValue']) if (typeof attribute?.[field] === 'string') attribute[field] = 'x'.repeat(bytes(attribute[field]));
  }
}

/**
 * The JSON-protocol SendMessage / SendMessageBatch body, its over-limit messages widened; the
 * body unchanged (same bytes) otherwise. The SDK v3 speaks only JSON; the query protocol passes as is.
 * @param {http.IncomingMessage} req
 * @param {Buffer} body
 */
function corrected(req, body) {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (!/^AmazonSQS\.SendMessage(Batch)?$/.test(target)) return body;
  let input;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  const max = maxSizeOf(input?.QueueUrl);
  if (!max) return body;
  const messages = target.endsWith('Batch') ? (Array.isArray(input.Entries) ? input.Entries : []) : [input];
  let changed = false;
  for (const message of messages) {
    if (!message || typeof message !== 'object') continue;
    const size = sizes(message);
    if (size.bytes > max && size.chars <= max) {
      widen(message);
      changed = true;
    }
  }
  return changed ? Buffer.from(JSON.stringify(input)) : body;
}

const server = http.createServer((req, res) => {
  const parts = /** @type {Buffer[]} */ ([]);
  req.on('data', (chunk) => parts.push(chunk));
  req.on('end', () => {
    const body = corrected(req, Buffer.concat(parts));
    // local-aws-sqs reads headers, url, method and the body's data/end events.
    const replay = Object.assign(new PassThrough(), { headers: req.headers, url: req.url, method: req.method, socket: req.socket });
    requestHandler(/** @type {any} */ (replay), res);
    replay.end(body);
  });
});
server.listen(workerData.port, '127.0.0.1', () => {
  service.PORT = workerData.port;
  parentPort?.postMessage({ ready: true });
});
server.on('error', (/** @type {Error} */ error) => parentPort?.postMessage({ error: error.message }));
