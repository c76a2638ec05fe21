import { fileURLToPath } from 'node:url';
import { HttpApi, HttpMethod, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';

/** One function's code and sizing. */
export interface SkeinFunctionProps {
  /** The handler's entry file (TypeScript, exporting `handler`), bundled with esbuild. */
  entry: string;
  /** Default: api 512, coordinator 1024, worker 3008. */
  memoryMb?: number;
  /** Seconds. Default: api 30, coordinator 900, worker 900. */
  timeoutSeconds?: number;
  /** Reserved concurrency: the most instances that may run at once. Default: none (account pool). */
  reservedConcurrency?: number;
}

export type SkeinApiAuth =
  | { kind: 'iam' }
  /** JWT bearer tokens (e.g. Cognito, Auth0): Trino clients send them with `--access-token`. */
  | { kind: 'jwt'; issuer: string; audience: string[] };

export interface SkeinStackProps extends StackProps {
  functions: { api: SkeinFunctionProps; coordinator: SkeinFunctionProps; worker: SkeinFunctionProps };
  /** Authorization on every API route. Default IAM (SigV4-signed requests). */
  auth?: SkeinApiAuth;
  /** Other buckets the functions may read table data from (read-only). */
  dataBuckets?: string[];
  /**
   * Where the tables are: a folder whose subfolders of Parquet/CSV files are tables
   * (`s3://bucket/prefix/`). Default `s3://<the stack's bucket>/data/`. In another bucket, name
   * that bucket in `dataBuckets` too.
   */
  data?: string;
  /** Worker invocations one query may have running at once. Default: the worker's reserved concurrency, else 32. */
  maxConcurrency?: number;
  /**
   * Start of every SQS queue name of this deployment. Per-query queues are `${prefix}q-…`; the
   * stack's own are `${prefix}invocation-failures` and `${prefix}dead-letters`. Default
   * `${stackName}-`.
   */
  queuePrefix?: string;
  /** Subscribe this address to the alarm topic. */
  alarmEmail?: string;
  /** Ship source maps (stack traces name TypeScript lines; bigger assets, slower cold starts). Default false. */
  sourceMaps?: boolean;
  /** What happens to the bucket when the stack is deleted. Default RETAIN. */
  bucketRemovalPolicy?: RemovalPolicy;
  /**
   * Whether to create the HTTP API. Default true. LocalStack's free edition has no API Gateway v2,
   * so the LocalStack deploy script turns it off there.
   */
  httpApi?: boolean;
}

const DEFAULTS = {
  api: { memoryMb: 512, timeoutSeconds: 30 },
  coordinator: { memoryMb: 1024, timeoutSeconds: 900 },
  worker: { memoryMb: 3008, timeoutSeconds: 900 },
} as const;

/** Actions of the functions on per-query queues (created and deleted by the coordinator). */
const QUERY_QUEUE_USE = [
  'sqs:GetQueueUrl',
  'sqs:GetQueueAttributes',
  'sqs:SendMessage',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
] as const;
const QUERY_QUEUE_MANAGE = ['sqs:CreateQueue', 'sqs:DeleteQueue'] as const;

const LOCK_FILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));
/** The wasm module of parquet-wasm's Node build, which every handler that reads Parquet loads. */
const PARQUET_WASM = fileURLToPath(
  new URL('../../node_modules/parquet-wasm/node/parquet_wasm_bg.wasm', import.meta.url),
);

/**
 * Skein on AWS, in one stack:
 * - **Bucket** for spool, state and (optionally) data: S3-managed encryption, all public access
 *   blocked, TLS 1.2+ only, bucket-owner-enforced ownership; `spool/` objects expire after a day
 *   (what a crashed query left), incomplete multipart uploads are aborted after a day.
 * - **Queues**: per-query queues are made at run time by the coordinator (the SQS adapter's doc
 *   says why); the stack has the on-failure destination of asynchronous invocations
 *   (`invocation-failures`) and its dead-letter queue. All SSE-SQS encrypted, TLS only.
 * - **Functions** (arm64, Node.js, bundled by esbuild): api → coordinator → worker, each invoked
 *   asynchronously by the one before with Lambda's retries off (the runtime retries) and failures
 *   sent to `invocation-failures`. Each role gets exactly the actions it uses, on the resources it
 *   uses — no wildcard actions.
 * - **HTTP API** (API Gateway v2): every route behind IAM or JWT authorization.
 * - **Alarms** on dead letters and on each function's errors, to an SNS topic.
 * - **Outputs**: the API URL, the bucket, the queue prefix, the alarm topic.
 *
 * @example
 * new SkeinStack(app, 'Skein', { functions: { api: { entry: 'functions/api.ts' }, … } });
 */
export class SkeinStack extends Stack {
  readonly bucket: Bucket;
  readonly failureQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly api: HttpApi | undefined;
  readonly apiFunction: NodejsFunction;
  readonly coordinatorFunction: NodejsFunction;
  readonly workerFunction: NodejsFunction;
  readonly alarmTopic: Topic;
  private readonly sourceMaps: boolean;

  constructor(scope: Construct, id: string, props: SkeinStackProps) {
    super(scope, id, props);
    this.sourceMaps = props.sourceMaps ?? false;
    const prefix = props.queuePrefix ?? `${this.stackName}-`;
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) {
      throw new Error(`queuePrefix '${prefix}' must be 1–40 letters, digits, '-' or '_'`);
    }
    const queryPrefix = `${prefix}q-`;

    // --- storage -------------------------------------------------------------------------------
    this.bucket = new Bucket(this, 'Data', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-spool', prefix: 'spool/', expiration: Duration.days(1) },
        // The runtime's per-query state: cancel tombstones that late tasks check after a query ended.
        { id: 'expire-query-state', prefix: 'state/q/', expiration: Duration.days(1) },
        // Query records (and results) of queries no client came back for.
        { id: 'expire-query-records', prefix: 'state/queries/', expiration: Duration.days(7) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    // --- queues --------------------------------------------------------------------------------
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      queueName: `${prefix}dead-letters`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.failureQueue = new Queue(this, 'InvocationFailures', {
      queueName: `${prefix}invocation-failures`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(60),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    // --- functions -----------------------------------------------------------------------------
    const env = {
      SKEIN_BUCKET: this.bucket.bucketName,
      SKEIN_QUEUE_PREFIX: queryPrefix,
      SKEIN_STACK_QUEUE_PREFIX: prefix,
      SKEIN_FAILURE_QUEUE: 'invocation-failures',
    };
    this.workerFunction = this.fn('Worker', props.functions.worker, DEFAULTS.worker, env);
    const worker = props.functions.worker;
    this.coordinatorFunction = this.fn('Coordinator', props.functions.coordinator, DEFAULTS.coordinator, {
      ...env,
      SKEIN_WORKER_FUNCTION: this.workerFunction.functionName,
      SKEIN_DATA: props.data ?? `s3://${this.bucket.bucketName}/data/`,
      SKEIN_WORKER_MEMORY_MB: String(worker.memoryMb ?? DEFAULTS.worker.memoryMb),
      SKEIN_MAX_CONCURRENCY: String(props.maxConcurrency ?? worker.reservedConcurrency ?? 32),
    });
    this.apiFunction = this.fn('Api', props.functions.api, DEFAULTS.api, {
      ...env,
      SKEIN_COORDINATOR_FUNCTION: this.coordinatorFunction.functionName,
    });
    for (const f of [this.workerFunction, this.coordinatorFunction]) {
      // Asynchronous invocations: no Lambda retries (the runtime retries attempts itself); what
      // fails is reported on the failure queue.
      f.configureAsyncInvoke({
        retryAttempts: 0,
        maxEventAge: Duration.hours(1),
        onFailure: new SqsDestination(this.failureQueue),
      });
    }
    this.grantAccess(props.dataBuckets ?? [], queryPrefix);

    // --- HTTP API ------------------------------------------------------------------------------
    if (props.httpApi ?? true) {
      const auth = props.auth ?? { kind: 'iam' };
      const authorizer: IHttpRouteAuthorizer =
        auth.kind === 'iam'
          ? new HttpIamAuthorizer()
          : new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, { jwtAudience: auth.audience });
      this.api = new HttpApi(this, 'Api', {
        description: 'Skein: the Trino client protocol',
        defaultAuthorizer: authorizer,
      });
      this.api.addRoutes({
        path: '/{proxy+}',
        methods: [HttpMethod.ANY],
        integration: new HttpLambdaIntegration('ApiIntegration', this.apiFunction),
      });
      new CfnOutput(this, 'ApiUrl', {
        value: this.api.apiEndpoint,
        description: 'The Trino protocol endpoint',
      });
    }

    // --- alarms --------------------------------------------------------------------------------
    this.alarmTopic = new Topic(this, 'Alarms', {
      displayName: `${this.stackName} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const alarms = [
      new Alarm(this, 'DeadLettersAlarm', {
        alarmDescription: 'Messages reached the dead-letter queue: failure reports that were never handled',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      ...(
        [
          ['Api', this.apiFunction],
          ['Coordinator', this.coordinatorFunction],
          ['Worker', this.workerFunction],
        ] as const
      ).map(
        ([name, f]) =>
          new Alarm(this, `${name}ErrorsAlarm`, {
            alarmDescription: `The ${name.toLowerCase()} function failed invocations`,
            metric: f.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      ),
    ];
    for (const a of alarms) a.addAlarmAction(new SnsAction(this.alarmTopic));

    // --- outputs (ApiUrl is made with the API) --------------------------------------------------
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'WorkerFunctionName', { value: this.workerFunction.functionName });
    new CfnOutput(this, 'CoordinatorFunctionName', { value: this.coordinatorFunction.functionName });
    new CfnOutput(this, 'ApiFunctionName', { value: this.apiFunction.functionName });
    new CfnOutput(this, 'QueuePrefix', { value: prefix });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  private fn(
    id: string,
    p: SkeinFunctionProps,
    d: { memoryMb: number; timeoutSeconds: number },
    environment: Record<string, string>,
  ): NodejsFunction {
    return new NodejsFunction(this, `${id}Function`, {
      entry: p.entry,
      handler: 'handler',
      depsLockFilePath: LOCK_FILE,
      // Node 22: the newest Lambda runtime that LocalStack and the CDK's esbuild target both know
      // well; Skein itself is tested on Node 20 and 22 behaves the same for it.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: p.memoryMb ?? d.memoryMb,
      timeout: Duration.seconds(p.timeoutSeconds ?? d.timeoutSeconds),
      ...(p.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: p.reservedConcurrency }),
      environment: { ...environment, ...(this.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}) },
      logGroup: new LogGroup(this, `${id}FunctionLogs`, {
        retention: RetentionDays.TWO_WEEKS,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        logLevel: LogLevel.WARNING,
        // Off by default: a map adds ~0.45 MB to each zipped asset (over the 2 MB budget with
        // parquet-wasm's 1.6 MB deflated .wasm) and --enable-source-maps slows every cold start.
        sourceMap: this.sourceMaps,
        sourcesContent: false,
        // Bundle the AWS SDK too: the versions tested are the versions deployed.
        externalModules: [],
        mainFields: ['module', 'main'],
        // Some bundled CommonJS packages call require() or use __dirname; give the ES module both.
        // (parquet-wasm's Node build reads its .wasm file from __dirname: copied next to the bundle.)
        banner: [
          "import { createRequire as __skeinCreateRequire } from 'node:module';",
          "import { dirname as __skeinDirnameOf } from 'node:path';",
          "import { fileURLToPath as __skeinFileURLToPath } from 'node:url';",
          'const require = __skeinCreateRequire(import.meta.url);',
          'const __skeinDirname = __skeinDirnameOf(__skeinFileURLToPath(import.meta.url));',
        ].join(' '),
        define: { __dirname: '__skeinDirname' },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => [`cp "${PARQUET_WASM}" "${output}/"`],
        },
      },
    });
  }

  /** IAM: each function gets the actions it uses on the resources it uses. */
  private grantAccess(dataBuckets: string[], queryPrefix: string): void {
    const b = this.bucket.bucketArn;
    const objects = (path: string) => `${b}/${path}`;
    const dataObjects = dataBuckets.map((n) => `arn:${Aws.PARTITION}:s3:::${n}/*`);
    const dataBucketArns = dataBuckets.map((n) => `arn:${Aws.PARTITION}:s3:::${n}`);
    const queryQueues = `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${queryPrefix}*`;
    const allow = (actions: readonly string[], resources: string[]) =>
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...actions], resources });

    // Worker: reads table data and committed spool; writes (and cleans up) its own spool objects
    // and feed claims; uses the query's queues (split and input feeds in, task events out).
    // s3:ListBucket also decides S3's answer for a missing key: 404 with it, 403 AccessDenied
    // without. Each role that reads objects gets it, so "no such object" is reported as such.
    const worker = this.workerFunction;
    worker.addToRolePolicy(allow(['s3:ListBucket'], [b, ...dataBucketArns]));
    worker.addToRolePolicy(allow(['s3:GetObject'], [objects('*'), ...dataObjects]));
    worker.addToRolePolicy(
      allow(['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'], [objects('spool/*')]),
    );
    // A task fed its inputs while producers still run (`earlyStart`) claims its feed first.
    worker.addToRolePolicy(allow(['s3:PutObject'], [objects('state/q/*/feed/*')]));
    worker.addToRolePolicy(allow(QUERY_QUEUE_USE, [queryQueues]));

    // Coordinator: lists and reads table data; owns spool clean-up and query state; creates and
    // deletes the query's queues; reads invocation failures; invokes workers.
    const coord = this.coordinatorFunction;
    coord.addToRolePolicy(allow(['s3:ListBucket'], [b, ...dataBucketArns]));
    coord.addToRolePolicy(allow(['s3:GetObject'], [objects('*'), ...dataObjects]));
    coord.addToRolePolicy(
      allow(
        ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
        [objects('spool/*'), objects('state/*')],
      ),
    );
    coord.addToRolePolicy(allow([...QUERY_QUEUE_USE, ...QUERY_QUEUE_MANAGE], [queryQueues]));
    this.failureQueue.grantConsumeMessages(coord);
    this.workerFunction.grantInvoke(coord);

    // API: reads results and query state, records queries, starts coordinators.
    const api = this.apiFunction;
    api.addToRolePolicy(allow(['s3:GetObject'], [objects('spool/*'), objects('state/*')]));
    api.addToRolePolicy(allow(['s3:PutObject', 's3:DeleteObject'], [objects('state/*')]));
    // Releasing a query deletes its retained result.
    api.addToRolePolicy(allow(['s3:DeleteObject'], [objects('spool/*')]));
    api.addToRolePolicy(allow(['s3:ListBucket'], [b]));
    this.coordinatorFunction.grantInvoke(api);
  }
}
