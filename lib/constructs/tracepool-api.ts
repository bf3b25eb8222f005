import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';
import type { RouteDef } from '../../contracts/manifest/functions';

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
  /**
   * Route keys ("GET /c/{offerId}") that get detailed (per-route) CloudWatch metrics, for alarms
   * on one route's latency. Each costs six custom metrics, so only the routes that need them.
   * @default - none
   */
  readonly detailedMetricsRoutes?: readonly string[];
  /** Which of the functions' manifest routes this API serves. @default every one */
  readonly serves?: (fn: ServiceFunction, route: RouteDef) => boolean;
  /**
   * What authorizes the admin routes, made once the API exists (a sign-in's callback is the API's
   * own address). @default IAM (SigV4)
   */
  readonly adminAuthorizer?: (api: HttpApi) => IHttpRouteAuthorizer;
  /** @default the Tracepool API's */
  readonly description?: string;
}

/** The stage every route is served on. */
export const STAGE_NAME = '$default';

/**
 * An HTTP API (API Gateway v2): routes come from the function manifest; admin routes require
 * IAM (SigV4) authorization — or the authorizer given, the console's sign-in — and public routes
 * are open by design. Access logs in JSON, stage throttling on.
 */
export class TracepoolApi extends Construct {
  public readonly api: HttpApi;
  public readonly accessLogs: LogGroup;
  /** Route keys ("GET /c/{offerId}") that are deliberately public. */
  public readonly publicRoutes: string[] = [];
  public readonly stage: HttpStage;
  private readonly detailedRoutes: ReadonlySet<string>;

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
      description: props.description ?? 'Tracepool: click redirects, webhooks, events and the admin API',
      createDefaultStage: false,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const admin = props.adminAuthorizer ? props.adminAuthorizer(this.api) : new HttpIamAuthorizer();
    const none = new HttpNoneAuthorizer();
    const serves = props.serves ?? (() => true);
    const created = new Map<string, HttpRoute>();
    for (const fn of props.functions) {
      const routes = (fn.def.routes ?? []).filter((route) => serves(fn, route));
      if (!routes.length) continue;
      // One invoke permission per function and API (scoped to the API), not one per route: a
      // function serving 20 routes on two APIs would otherwise take 40 of the stack's 500
      // resources and 40 statements of its 20 KB resource policy. API Gateway invokes a function
      // only from the routes integrated with it; the local stack checks every route is covered.
      const integration = new HttpLambdaIntegration(`${fn.def.id}Integration`, fn, { scopePermissionToRoute: false });
      for (const route of routes) {
        const [httpRoute] = this.api.addRoutes({
          path: route.path,
          methods: [HttpMethod[route.method]],
          integration,
          authorizer: route.auth === 'admin' ? admin : none,
        });
        created.set(`${route.method} ${route.path}`, httpRoute!);
        if (route.auth === 'public') this.publicRoutes.push(`${route.method} ${route.path}`);
      }
    }

    this.detailedRoutes = new Set(props.detailedMetricsRoutes ?? []);
    if (this.detailedRoutes.size) {
      // RouteSettings is untyped JSON in the CloudFormation spec, so the CDK passes it through as
      // written: the keys must be CloudFormation's own (PascalCase).
      const settings: Record<string, Record<string, unknown>> = {};
      const cfnStage = this.stage.node.defaultChild as CfnStage;
      for (const key of this.detailedRoutes) {
        const route = created.get(key);
        if (!route) throw new Error(`TracepoolApi: detailedMetricsRoutes names ${key}, which is not a route`);
        // The stage throttle is repeated in the route's own settings, so the route keeps it
        // whatever API Gateway makes of the fields a route's settings leave out.
        settings[key] = { DetailedMetricsEnabled: true, ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit };
        // API Gateway refuses settings for a route that does not exist yet.
        this.stage.node.addDependency(route);
      }
      cfnStage.routeSettings = settings;
    }
  }

  /**
   * One route's metric (AWS/ApiGateway, dimensions ApiId, Stage, Method, Resource), e.g. its
   * `Latency`: from request received to response sent, what the caller waits for. The route must
   * be in `detailedMetricsRoutes`, or API Gateway never publishes it.
   */
  routeMetric(routeKey: string, metricName: 'Latency' | 'IntegrationLatency' | 'Count' | '4xx' | '5xx', options: MetricOptions = {}): Metric {
    if (!this.detailedRoutes.has(routeKey)) throw new Error(`TracepoolApi: ${routeKey} has no detailed metrics (add it to detailedMetricsRoutes)`);
    const [method, resource] = routeKey.split(' ') as [string, string];
    return new Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: this.api.apiId, Stage: STAGE_NAME, Method: method, Resource: resource },
      period: Duration.minutes(5),
      ...options,
    });
  }

  get url(): string {
    return this.api.apiEndpoint;
  }
}
