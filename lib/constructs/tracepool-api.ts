import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';

export interface TracepoolApiProps {
  /** Functions whose manifest entries carry routes. */
  readonly functions: readonly ServiceFunction[];
  /**
   * Steady-state requests per second across the API.
   * @default 1000
   */
  readonly throttleRateLimit?: number;
  /** @default 2000 */
  readonly throttleBurstLimit?: number;
}

/**
 * The HTTP API (API Gateway v2): routes come from the function manifest; admin routes require
 * IAM (SigV4) authorization, public routes are open by design. Access logs in JSON, stage
 * throttling on.
 */
export class TracepoolApi extends Construct {
  public readonly api: HttpApi;
  public readonly accessLogs: LogGroup;
  /** Route keys ("GET /c/{offerId}") that are deliberately public. */
  public readonly publicRoutes: string[] = [];

  constructor(scope: Construct, id: string, props: TracepoolApiProps) {
    super(scope, id);
    const rateLimit = props.throttleRateLimit ?? 1000;
    const burstLimit = props.throttleBurstLimit ?? 2000;
    if (rateLimit <= 0 || burstLimit < rateLimit) {
      throw new Error('TracepoolApi: throttleRateLimit must be > 0 and throttleBurstLimit >= throttleRateLimit');
    }
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Tracepool: click redirects, webhooks, events and the admin API',
      createDefaultStage: false,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const iam = new HttpIamAuthorizer();
    const none = new HttpNoneAuthorizer();
    for (const fn of props.functions) {
      const routes = fn.def.routes ?? [];
      if (!routes.length) continue;
      const integration = new HttpLambdaIntegration(`${fn.def.id}Integration`, fn);
      for (const route of routes) {
        this.api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
          authorizer: route.auth === 'admin' ? iam : none,
        });
        if (route.auth === 'public') this.publicRoutes.push(`${route.method} ${route.path}`);
      }
    }
  }

  get url(): string {
    return this.api.apiEndpoint;
  }
}
