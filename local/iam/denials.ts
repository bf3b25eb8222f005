/**
 * Refusals answered the way each AWS service answers them over its protocol, so the SDK inside the
 * function raises the same error it would in AWS:
 *
 * - DynamoDB (JSON 1.0): HTTP 400, `com.amazon.coral.service#AccessDeniedException` → the SDK's
 *   `AccessDeniedException`.
 * - SQS (JSON 1.0, query-compatible): HTTP 403, the same `__type` plus the header
 *   `x-amzn-query-error: AccessDenied;Sender`, from which the SDK takes the error's name:
 *   `AccessDenied`, the code SQS has always used. SQS spells the action in lower case in the message.
 * - SQS and CloudWatch over the query protocol: HTTP 403, an XML ErrorResponse with Code AccessDenied.
 * - Step Functions, Secrets Manager, EventBridge (JSON): HTTP 400, `AccessDeniedException`.
 * - CloudWatch (JSON, query-compatible): HTTP 403 with `x-amzn-query-error: AccessDenied;Sender`.
 *
 * The message is IAM's: "User: <assumed-role ARN> is not authorized to perform: <action> on
 * resource: <ARN> because no identity-based policy allows the <action> action" (or "with an
 * explicit deny in an identity-based policy").
 */
import { randomUUID } from 'node:crypto';
import type { AwsService, WireProtocol } from './requests';
import type { EvaluationOutcome } from './evaluate';

export interface ServiceAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function accessDeniedMessage(principalArn: string, action: string, resource: string, outcome: EvaluationOutcome, service: AwsService): string {
  const shown = service === 'sqs' ? action.toLowerCase() : action;
  const why = outcome === 'ExplicitlyDenied' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${shown} action`;
  return `User: ${principalArn} is not authorized to perform: ${shown} on resource: ${resource} ${why}`;
}

const JSON_CONTENT_TYPE: Record<AwsService, string> = {
  dynamodb: 'application/x-amz-json-1.0',
  sqs: 'application/x-amz-json-1.0',
  states: 'application/x-amz-json-1.0',
  cloudwatch: 'application/x-amz-json-1.0',
  secretsmanager: 'application/x-amz-json-1.1',
  events: 'application/x-amz-json-1.1',
};

const XML_NAMESPACE: Partial<Record<AwsService, string>> = {
  sqs: 'http://queue.amazonaws.com/doc/2012-11-05/',
  cloudwatch: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
};

/** Services whose JSON protocol is query-compatible: the SDK names errors by x-amzn-query-error. */
const QUERY_COMPATIBLE = new Set<AwsService>(['sqs', 'cloudwatch']);

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

interface ErrorShape {
  /** The JSON `__type` (namespaced as the service sends it). */
  readonly jsonType: string;
  /** The query-protocol code (x-amzn-query-error and the XML Code). */
  readonly queryCode: string;
  readonly status: { json: number; query: number };
}

function answer(service: AwsService, protocol: WireProtocol, shape: ErrorShape, message: string): ServiceAnswer {
  const requestId = randomUUID();
  if (protocol === 'query') {
    const body =
      `<?xml version="1.0"?><ErrorResponse xmlns="${XML_NAMESPACE[service] ?? ''}"><Error><Type>Sender</Type>` +
      `<Code>${shape.queryCode}</Code><Message>${escapeXml(message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return { status: shape.status.query, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  }
  const queryCompatible = QUERY_COMPATIBLE.has(service);
  const body = JSON.stringify({ __type: shape.jsonType, Message: message });
  return {
    status: queryCompatible ? shape.status.query : shape.status.json,
    headers: {
      'content-type': JSON_CONTENT_TYPE[service],
      'x-amzn-requestid': requestId,
      ...(queryCompatible ? { 'x-amzn-query-error': `${shape.queryCode};Sender` } : {}),
    },
    body,
  };
}

/** The service's AccessDenied answer. */
export function accessDeniedAnswer(service: AwsService, protocol: WireProtocol, message: string): ServiceAnswer {
  const coral = service === 'dynamodb' || QUERY_COMPATIBLE.has(service);
  return answer(
    service,
    protocol,
    {
      jsonType: coral ? 'com.amazon.coral.service#AccessDeniedException' : 'AccessDeniedException',
      queryCode: 'AccessDenied',
      status: { json: 400, query: 403 },
    },
    message,
  );
}

/** What AWS answers a key it does not know (here: a key of no function of the app). */
export function unrecognizedClientAnswer(service: AwsService, protocol: WireProtocol): ServiceAnswer {
  const coral = service === 'dynamodb' || QUERY_COMPATIBLE.has(service);
  return answer(
    service,
    protocol,
    {
      jsonType: coral ? 'com.amazon.coral.service#UnrecognizedClientException' : 'UnrecognizedClientException',
      queryCode: 'InvalidClientTokenId',
      status: { json: 400, query: 403 },
    },
    'The security token included in the request is invalid.',
  );
}

/** A request without a signature. */
export function missingAuthenticationAnswer(service: AwsService, protocol: WireProtocol): ServiceAnswer {
  const coral = service === 'dynamodb' || QUERY_COMPATIBLE.has(service);
  return answer(
    service,
    protocol,
    {
      jsonType: coral ? 'com.amazon.coral.service#MissingAuthenticationTokenException' : 'MissingAuthenticationTokenException',
      queryCode: 'MissingAuthenticationToken',
      status: { json: 400, query: 403 },
    },
    'Request is missing Authentication Token',
  );
}
