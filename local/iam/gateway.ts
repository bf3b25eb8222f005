/**
 * An enforcement gateway: a small HTTP reverse proxy in front of one local AWS endpoint (DynamoDB
 * Local, local SQS, or the local JSON services for Step Functions, Secrets Manager and
 * EventBridge). Each request is parsed into the authorizations AWS would make (requests.ts), each
 * one evaluated against the calling function's policies; the first refusal is answered as the
 * service answers AccessDenied (denials.ts), and a request that passes every check is forwarded
 * unchanged — same method, path, headers and body — and the endpoint's answer relayed as it is.
 */
import http from 'node:http';
import { missingAuthenticationAnswer, unrecognizedClientAnswer, type ServiceAnswer } from './denials';
import { parseAwsRequest, UnsupportedRequestError, type AuthorizationCheck, type ParsedRequest, type RequestContext } from './requests';

export interface CheckResult {
  readonly allowed: boolean;
  /** The service's refusal, when not allowed. */
  readonly denial?: ServiceAnswer;
}

/** What a gateway asks of the local IAM (index.ts implements it: evaluate, record, answer). */
export interface GatewayAuthority {
  /** The function an access key id belongs to, if any. */
  callerOf(accessKeyId: string): string | undefined;
  check(functionId: string, request: ParsedRequest, check: AuthorizationCheck): Promise<CheckResult>;
}

export interface IamGatewayOptions {
  /** The endpoint requests go on to, e.g. http://127.0.0.1:8000. */
  readonly upstream: string;
  readonly authority: GatewayAuthority;
  readonly context: RequestContext;
  /**
   * Forward requests signed with a key of no function (unchecked, unrecorded) instead of refusing
   * them as AWS refuses an unknown key. For local tools that share the endpoint. @default false
   */
  readonly allowUnknownCallers?: boolean;
  /** @default 0 (a free port) */
  readonly port?: number;
  readonly onError?: (error: unknown) => void;
}

export interface IamGateway {
  /** The gateway's URL: what the functions' AWS_ENDPOINT_URL_<SERVICE> should point at. */
  readonly endpoint: string;
  readonly upstream: string;
  stop(): Promise<void>;
}

function send(res: http.ServerResponse, answer: ServiceAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
  res.end(answer.body);
}

export async function startIamGateway(options: IamGatewayOptions): Promise<IamGateway> {
  const upstream = new URL(options.upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const onError = options.onError ?? (() => undefined);

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const outgoing = http.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        // Unchanged, Host included: the signature covers it, and no local endpoint cares where it points.
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on('error', (error) => {
      onError(error);
      // As if the endpoint itself had dropped the connection: the SDK's retry logic takes it from there.
      res.destroy(error);
    });
    outgoing.end(body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    let parsed: ParsedRequest;
    try {
      parsed = parseAwsRequest({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, options.context);
    } catch (error) {
      if (!(error instanceof UnsupportedRequestError)) throw error;
      const text = JSON.stringify({ __type: 'UnknownOperationException', message: `local IAM enforcement: ${error.message}` });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }
    if (!parsed.accessKeyId) return send(res, missingAuthenticationAnswer(parsed.service, parsed.protocol));
    const functionId = options.authority.callerOf(parsed.accessKeyId);
    if (!functionId) {
      if (options.allowUnknownCallers) return forward(req, res, body);
      return send(res, unrecognizedClientAnswer(parsed.service, parsed.protocol));
    }
    // In order; the first refusal answers (AWS reports one missing permission at a time too).
    for (const check of parsed.checks) {
      const result = await options.authority.check(functionId, parsed, check);
      if (!result.allowed) return send(res, result.denial!);
    }
    forward(req, res, body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        onError(error);
        if (!res.headersSent) {
          const text = JSON.stringify({ __type: 'InternalFailure', message: `local IAM enforcement failed: ${(error as Error).message}` });
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(text)) });
          res.end(text);
        } else res.destroy();
      });
    });
  });
  // Keep-alive from the SDKs' agents: idle sockets must not outlive a stop().
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    upstream: options.upstream,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
