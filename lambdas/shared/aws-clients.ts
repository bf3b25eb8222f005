/**
 * SDK clients built once per execution environment. Endpoints come from the standard
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at 127.0.0.1.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FAST_QUEUE } from './fast-queue';

let documentClient: DynamoDBDocumentClient | undefined;
export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

/** SQS for paths that must answer in milliseconds (see FAST_QUEUE). */
export function fastSqsClient(config: SQSClientConfig = {}): SQSClient {
  return new SQSClient({
    maxAttempts: FAST_QUEUE.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: FAST_QUEUE.connectionTimeoutMs,
      requestTimeout: FAST_QUEUE.requestTimeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    }),
    ...config,
  });
}

let sqsClient: SQSClient | undefined;
export function fastSqs(): SQSClient {
  sqsClient ??= fastSqsClient();
  return sqsClient;
}

let plainSqs: SQSClient | undefined;
export function sqs(): SQSClient {
  plainSqs ??= new SQSClient({});
  return plainSqs;
}
