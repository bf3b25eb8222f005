/**
 * A lean client for AWS services that speak the JSON 1.0 protocol (DynamoDB, SQS), for the
 * functions whose cold start a user waits on: the click and event ingest. It is assembled from
 * the AWS SDK's own parts: @smithy/signature-v4 signs, @smithy/node-http-handler sends (keep-alive,
 * connection and request timeouts), and the SDK's standard retry strategy and error
 * classification decide what to retry.
 *
 * Why not the generated DynamoDBClient and SQSClient: importing the two costs ~28 ms of every cold
 * start (middleware stacks, endpoint rule engines, operation schemas for ~80 operations), which
 * alone is more than a Node.js process takes to start. The click needs three operations; this
 * client imports in ~8 ms. The other functions use the generated clients. `npm run bench:click`
 * measures both.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { StandardRetryStrategy, isThrottlingError, isTransientError, isServerError } from '@smithy/core/retry';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorType } from '@smithy/types';
import { lambdaEnvCredentials } from './lambda-credentials';

export interface AwsJsonService {
  /** Signing name and endpoint prefix: `dynamodb`, `sqs`. */
  readonly signingName: string;
  /** The X-Amz-Target prefix: `DynamoDB_20120810`, `AmazonSQS`. */
  readonly targetPrefix: string;
  /** The suffix of the service's AWS_ENDPOINT_URL_<ID> variable: `DYNAMODB`, `SQS`. */
  readonly envId: string;
  /** The protocol's content type. @default 'application/x-amz-json-1.0' */
  readonly contentType?: string;
}

export const DYNAMODB: AwsJsonService = { signingName: 'dynamodb', targetPrefix: 'DynamoDB_20120810', envId: 'DYNAMODB' };
export const SQS: AwsJsonService = { signingName: 'sqs', targetPrefix: 'AmazonSQS', envId: 'SQS' };
/** Secrets Manager speaks JSON 1.1: the same envelope, another content type. */
export const SECRETS_MANAGER: AwsJsonService = {
  signingName: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  envId: 'SECRETS_MANAGER',
  contentType: 'application/x-amz-json-1.1',
};

export interface AwsJsonClientOptions {
  region: string;
  endpoint: URL;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts including the first. @default 3 (the SDK's default) */
  maxAttempts?: number;
  /** @default 1000 */
  connectionTimeoutMs?: number;
  /** Per attempt, until the answer starts to arrive (DynamoDB and SQS answers are small). @default 2000 */
  requestTimeoutMs?: number;
  /**
   * The X-Ray trace header of the current invocation, read before every request, so the calls
   * appear in the invocation's trace as the SDK's calls do. @default - none sent
   */
  traceHeader?: () => string | undefined;
}

/**
 * The `X-Amzn-Trace-Id` value Lambda gives the running invocation: `_X_AMZN_TRACE_ID`, which
 * Lambda rewrites before each invocation (so it is read per request, never cached). Sent only
 * inside Lambda, as the SDK's recursion-detection middleware does. One invocation at a time per
 * environment is assumed (the click function's configuration).
 */
export function lambdaTraceHeader(env: NodeJS.ProcessEnv = process.env): () => string | undefined {
  return () => (env.AWS_LAMBDA_FUNCTION_NAME && env._X_AMZN_TRACE_ID ? env._X_AMZN_TRACE_ID : undefined);
}

/** Per call. */
export interface AwsJsonCallOptions {
  /**
   * Epoch ms after which no attempt may be signed: the attempt about to be signed later fails with
   * SigningWindowPassed instead (never retried). Every attempt is signed at the time it checks, so a
   * request that leaves later (the environment frozen in between) still carries that time, and AWS
   * refuses it once its signature has expired.
   */
  readonly notSignedAfter?: number;
}

/** An attempt would have been signed after the call's `notSignedAfter`: nothing was sent. */
export class SigningWindowPassed extends Error {
  override readonly name = 'SigningWindowPassed';
}

/** An error answer from the service, shaped like the SDK's so its classifiers apply. */
export class AwsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  constructor(
    readonly code: string,
    message: string,
    statusCode: number,
    requestId?: string,
  ) {
    super(message || code);
    this.name = code;
    this.$metadata = { httpStatusCode: statusCode, requestId };
  }
}

export class AwsJsonClient {
  private readonly signer: SignatureV4;
  private readonly http: NodeHttpHandler;
  private readonly retries: StandardRetryStrategy;

  constructor(
    private readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions,
  ) {
    this.signer = new SignatureV4({
      service: service.signingName,
      region: options.region,
      credentials: options.credentials,
      // The SDK's Node hash, as its generated clients configure it.
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: false,
    });
    this.http = new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 1000,
      requestTimeout: options.requestTimeoutMs ?? 2000,
      // Without this the handler only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    });
    this.retries = new StandardRetryStrategy(options.maxAttempts ?? 3);
  }

  /** One operation, e.g. `call('GetItem', {...})`; resolves to the parsed JSON answer. */
  async call<T = Record<string, unknown>>(operation: string, input: object, options: AwsJsonCallOptions = {}): Promise<T> {
    let token = await this.retries.acquireInitialRetryToken(this.service.signingName);
    for (;;) {
      try {
        const output = await this.attempt<T>(operation, input, options.notSignedAfter);
        this.retries.recordSuccess(token);
        return output;
      } catch (error) {
        try {
          token = await this.retries.refreshRetryTokenForRetry(token, { errorType: retryErrorType(error) });
        } catch {
          throw error;
        }
      }
    }
  }

  destroy(): void {
    this.http.destroy();
  }

  private async attempt<T>(operation: string, input: object, notSignedAfter?: number): Promise<T> {
    const { endpoint } = this.options;
    const body = JSON.stringify(input);
    const traceHeader = this.options.traceHeader?.();
    const request = new HttpRequest({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: endpoint.pathname || '/',
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': this.service.contentType ?? 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
        // SigV4 leaves this header unsigned (X-Ray may rewrite it on the way), as for the SDK.
        ...(traceHeader ? { 'x-amzn-trace-id': traceHeader } : {}),
      },
      body,
    });
    const signingDate = new Date();
    if (notSignedAfter !== undefined && !(signingDate.getTime() <= notSignedAfter)) {
      throw new SigningWindowPassed(`${operation} not signed: ${signingDate.toISOString()} is past the call's window`);
    }
    const { response } = await this.http.handle((await this.signer.sign(request, { signingDate })) as HttpRequest);
    const text = response.body ? Buffer.from(await streamCollector(response.body)).toString('utf8') : '';
    // Node gives response header names in lower case.
    const requestId = response.headers['x-amzn-requestid'];
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return (text ? JSON.parse(text) : {}) as T;
    }
    throw serviceError(response.statusCode, response.headers, text, requestId);
  }
}

/** `__type` (or x-amzn-ErrorType) may be `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` or `…:http://…`. */
function serviceError(statusCode: number, headers: Record<string, string>, text: string, requestId?: string): AwsServiceError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // A proxy or load balancer answered with HTML: keep the status, not the page.
  }
  const rawType = typeof parsed.__type === 'string' ? parsed.__type : (headers['x-amzn-errortype'] ?? '');
  const code = rawType.split(':')[0]!.split('#').pop() || `Http${statusCode}`;
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : '';
  return new AwsServiceError(code, message, statusCode, requestId);
}

function retryErrorType(error: unknown): RetryErrorType {
  const e = error as Parameters<typeof isTransientError>[0];
  if (isThrottlingError(e)) return 'THROTTLING';
  if (isTransientError(e)) return 'TRANSIENT';
  if (isServerError(e)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

/**
 * Endpoint per the SDK's rules for these services: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then the regional endpoint. (FIPS and dual-stack endpoints are not offered.)
 */
export function endpointFromEnv(service: AwsJsonService, region: string, env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env[`AWS_ENDPOINT_URL_${service.envId}`] || env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${service.signingName}.${region}.${suffix}`);
}

/**
 * A client configured the way Lambda configures a function: region and credentials from the
 * environment, and the invocation's X-Ray trace header on every request.
 */
export function awsJsonClientFromEnv(
  service: AwsJsonService,
  tuning: Pick<AwsJsonClientOptions, 'maxAttempts' | 'connectionTimeoutMs' | 'requestTimeoutMs'> = {},
  env: NodeJS.ProcessEnv = process.env,
): AwsJsonClient {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  return new AwsJsonClient(service, {
    region,
    endpoint: endpointFromEnv(service, region, env),
    credentials: lambdaEnvCredentials(env),
    traceHeader: lambdaTraceHeader(env),
    ...tuning,
  });
}
