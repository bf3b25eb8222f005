/**
 * The AWS quotas the local stack enforces, in one place, so a payload or a slow handler that
 * would fail in AWS fails here the same way instead of passing quietly. (Step Functions' 256 KiB
 * state quota lives with its runner, local/stepfunctions-local.ts.)
 */
import { MAX_MESSAGE_BYTES } from '../contracts/manifest/queues';

/** Lambda, synchronous Invoke: "Request must be smaller than 6291456 bytes". */
export const LAMBDA_REQUEST_BYTES = 6_291_456;
/** Lambda, synchronous Invoke: "Response payload size exceeded maximum allowed payload size (6291556 bytes)". */
export const LAMBDA_RESPONSE_BYTES = 6_291_556;
/** The function timeout when a definition gives none (the CDK's default is 3 s; our manifest's is 10 s). */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** API Gateway HTTP API: the integration timeout (not configurable above 30 s). */
export const API_INTEGRATION_TIMEOUT_MS = 30_000;
/** API Gateway HTTP API: the request payload quota (10 MB). */
export const API_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * SQS: the largest message our queues accept (their MaximumMessageSize, set in the CDK): 256 KiB,
 * body and attributes together, counted in UTF-8 bytes. local-aws-sqs would otherwise allow 1 MiB.
 */
export const SQS_MESSAGE_BYTES = MAX_MESSAGE_BYTES;

/**
 * DynamoDB: 400 KB per item, attribute names included. DynamoDB Local enforces it itself
 * ("Item size has exceeded the maximum allowed size"); test/e2e/aws-limits.e2e.test.ts
 * keeps us honest about that.
 */
export const DYNAMODB_ITEM_BYTES = 400 * 1024;
