/**
 * SDK clients built once per execution environment. Endpoints come from the standard
 * AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack points them at 127.0.0.1.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

let documentClient: DynamoDBDocumentClient | undefined;
export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

let sqsClient: SQSClient | undefined;
/**
 * The click path must answer in milliseconds: a short timeout and a single retry, after which the
 * caller parks the request instead of waiting on a struggling queue.
 */
export function fastSqs(): SQSClient {
  sqsClient ??= new SQSClient({
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 300, requestTimeout: 500 }),
  });
  return sqsClient;
}

let plainSqs: SQSClient | undefined;
export function sqs(): SQSClient {
  plainSqs ??= new SQSClient({});
  return plainSqs;
}
