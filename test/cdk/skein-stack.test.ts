import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkeinStack, type SkeinStackProps } from '../../cdk/lib/skein-stack.ts';
import { S3BlobStore } from '../../src/adapters/aws/s3-blob-store.ts';
import { SqsMessageQueue } from '../../src/adapters/aws/sqs-message-queue.ts';
import { type QueryRecord, readQueryResult } from '../../src/engine/query-service.ts';
import { cellText } from '../../src/engine/values.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { startEmulators } from '../aws/emulators.ts';
import { type LambdaHost, startLambdaHost } from '../aws/lambda-host.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk/cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const entry = (name: string) => fileURLToPath(new URL(`../../functions/${name}.ts`, import.meta.url));
const FUNCTIONS: SkeinStackProps['functions'] = {
  api: { entry: entry('api') },
  coordinator: { entry: entry('coordinator'), memoryMb: 2048 },
  worker: { entry: entry('worker'), memoryMb: 4096, timeoutSeconds: 600, reservedConcurrency: 50 },
};

/** Each App's cloud assembly goes to a folder of ours, removed after the tests (CDK's default is a fresh temporary folder it never deletes). */
const outdirs: string[] = [];
function outdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'skein-cdk-test-'));
  outdirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of outdirs) rmSync(d, { recursive: true, force: true });
});

/** The stack as `npm run synth` makes it (same feature flags), without bundling (fast). */
function synth(props: Partial<SkeinStackProps> = {}): Template {
  const app = new App({ outdir: outdir(), context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SkeinStack(app, 'SkeinTest', { functions: FUNCTIONS, ...props });
  return Template.fromStack(stack);
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function allowStatements(t: Template): Statement[] {
  const out: Statement[] = [];
  for (const p of Object.values(t.findResources('AWS::IAM::Policy'))) {
    for (const s of p.Properties.PolicyDocument.Statement as Statement[])
      if (s.Effect === 'Allow') out.push(s);
  }
  return out;
}

function policyOf(t: Template, roleLogicalIdStart: string): Statement[] {
  const out: Statement[] = [];
  for (const [id, p] of Object.entries(t.findResources('AWS::IAM::Policy'))) {
    if (id.startsWith(roleLogicalIdStart))
      out.push(...(p.Properties.PolicyDocument.Statement as Statement[]));
  }
  return out;
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('SkeinStack template', () => {
  let t: Template;
  beforeAll(() => {
    t = synth();
  });

  it('has an encrypted, private, TLS-only bucket whose spool expires after a day', () => {
    t.resourceCountIs('AWS::S3::Bucket', 1);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-spool', Prefix: 'spool/', ExpirationInDays: 1, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });

  it('has the invocation-failure queue with a dead-letter queue, both encrypted and TLS-only', () => {
    t.resourceCountIs('AWS::SQS::Queue', 2);
    const queues = t.findResources('AWS::SQS::Queue');
    const dlqId = Object.keys(queues).find((k) => k.startsWith('DeadLetters'))!;
    t.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'SkeinTest-invocation-failures',
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'SkeinTest-dead-letters',
      SqsManagedSseEnabled: true,
    });
    const policies = t.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const p of Object.values(policies)) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('runs three arm64 functions with the configured memory and timeouts', () => {
    t.resourceCountIs('AWS::Lambda::Function', 3);
    for (const f of Object.values(t.findResources('AWS::Lambda::Function'))) {
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.Runtime).toMatch(/^nodejs\d+\.x$/);
    }
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 4096,
      Timeout: 600,
      ReservedConcurrentExecutions: 50,
      Environment: { Variables: Match.objectLike({ SKEIN_QUEUE_PREFIX: 'SkeinTest-q-' }) },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048, Timeout: 900 });
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 30 });
    // Asynchronous invocations: no Lambda retries, failures to the queue.
    t.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('grants no wildcard actions, and each function only what it uses', () => {
    const statements = allowStatements(t);
    expect(statements.length).toBeGreaterThan(5);
    for (const a of actionsOf(statements)) expect(a).not.toContain('*');
    // Managed policies: only the basic execution role (logs).
    for (const r of Object.values(t.findResources('AWS::IAM::Role'))) {
      const arns = JSON.stringify(r.Properties.ManagedPolicyArns ?? []);
      expect(arns.match(/policy\/[^"]+/g)).toEqual(['policy/service-role/AWSLambdaBasicExecutionRole']);
    }
    const worker = actionsOf(policyOf(t, 'WorkerFunction'));
    expect(worker).not.toContain('sqs:CreateQueue');
    expect(worker).not.toContain('lambda:InvokeFunction');
    expect(worker).not.toContain('sqs:DeleteQueue');
    const coordinator = actionsOf(policyOf(t, 'CoordinatorFunction'));
    expect(coordinator).toEqual(
      expect.arrayContaining(['sqs:CreateQueue', 'sqs:DeleteQueue', 'lambda:InvokeFunction']),
    );
    const api = actionsOf(policyOf(t, 'ApiFunction'));
    expect(api).not.toContain('sqs:CreateQueue');
    expect(api).toContain('lambda:InvokeFunction');
    // Queue management is scoped to the per-query prefix.
    const manage = policyOf(t, 'CoordinatorFunction').find((s) =>
      actionsOf([s]).includes('sqs:CreateQueue'),
    )!;
    expect(JSON.stringify(manage.Resource)).toContain(':SkeinTest-q-*');
  });

  it('puts IAM authorization on every API route, and outputs the API URL', () => {
    const routes = t.findResources('AWS::ApiGatewayV2::Route');
    expect(Object.keys(routes).length).toBeGreaterThan(0);
    for (const r of Object.values(routes)) expect(r.Properties.AuthorizationType).toBe('AWS_IAM');
    t.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Api'), 'ApiEndpoint'] } });
  });

  it('can use JWT authorization instead', () => {
    const jwt = synth({ auth: { kind: 'jwt', issuer: 'https://issuer.example', audience: ['skein'] } });
    for (const r of Object.values(jwt.findResources('AWS::ApiGatewayV2::Route'))) {
      expect(r.Properties.AuthorizationType).toBe('JWT');
      expect(r.Properties.AuthorizerId).toBeDefined();
    }
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example', Audience: ['skein'] },
    });
  });

  it('alarms on dead letters and on each function’s errors, to the alarm topic', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
    const errors = Object.values(t.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.MetricName === 'Errors',
    );
    expect(errors).toHaveLength(3);
    for (const a of errors) expect(a.Properties.Namespace).toBe('AWS/Lambda');
  });

  it('can leave out the HTTP API (for LocalStack’s free edition)', () => {
    const noApi = synth({ httpApi: false });
    noApi.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    noApi.resourceCountIs('AWS::Lambda::Function', 3);
    expect(Object.keys(noApi.findOutputs('*'))).not.toContain('ApiUrl');
  });

  it('tells the coordinator where the tables are, the worker’s memory and the query concurrency', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Environment: {
        Variables: Match.objectLike({
          SKEIN_DATA: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Data') }, '/data/']] },
          SKEIN_WORKER_MEMORY_MB: '4096',
          SKEIN_MAX_CONCURRENCY: '50',
          SKEIN_WORKER_FUNCTION: { Ref: Match.stringLikeRegexp('^WorkerFunction') },
        }),
      },
    });
    const elsewhere = synth({ data: 's3://my-lake/tpch/', maxConcurrency: 8 });
    elsewhere.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SKEIN_DATA: 's3://my-lake/tpch/', SKEIN_MAX_CONCURRENCY: '8' }),
      },
    });
  });

  it('expires what queries leave in the state prefix, and lets the API release results', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'state/q/', ExpirationInDays: 1 }),
          Match.objectLike({ Prefix: 'state/queries/', ExpirationInDays: 7 }),
        ]),
      },
    });
    const deletes = policyOf(t, 'ApiFunction').filter((s) => actionsOf([s]).includes('s3:DeleteObject'));
    expect(JSON.stringify(deletes.map((s) => s.Resource))).toContain('/spool/*');
  });

  it('lets workers claim their input feeds, and write no other query state', () => {
    const puts = policyOf(t, 'WorkerFunction').filter((s) => actionsOf([s]).includes('s3:PutObject'));
    const resources = JSON.stringify(puts.map((s) => s.Resource));
    expect(resources).toContain('/state/q/*/feed/*');
    expect(resources).not.toMatch(/\/state\/\*"/);
  });

  it('grants read access to extra data buckets when asked', () => {
    const withData = synth({ dataBuckets: ['my-lake'] });
    const text = JSON.stringify(allowStatements(withData));
    expect(text).toContain(':s3:::my-lake/*');
    expect(text).toContain(':s3:::my-lake"');
  });
});

describe('SkeinStack bundling', () => {
  it('bundles each function with local esbuild into one ES module (plus parquet-wasm’s .wasm), and the bundles run a query', async () => {
    const app = new App({
      outdir: outdir(),
      context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true },
    });
    const t0 = performance.now();
    // NodejsFunction bundles as it is constructed.
    new SkeinStack(app, 'SkeinBundle', {
      functions: {
        api: { entry: entry('api') },
        coordinator: { entry: entry('coordinator') },
        worker: { entry: entry('worker') },
      },
    });
    const out = app.synth().directory;
    const ms = performance.now() - t0;
    const bundles: Record<string, string> = {};
    const sizes: Record<string, { js: number; wasm: number; deflated: number }> = {};
    const template = JSON.parse(readFileSync(join(out, 'SkeinBundle.template.json'), 'utf8'));
    for (const [id, r] of Object.entries<{ Type: string; Metadata?: Record<string, string> }>(
      template.Resources,
    )) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const dir = join(out, r.Metadata!['aws:asset:path']!);
      const files = readdirSync(dir).sort();
      expect(files).toEqual(['index.mjs', 'parquet_wasm_bg.wasm']);
      const name = id.replace(/Function.*/, '');
      bundles[name] = join(dir, 'index.mjs');
      const size = (f: string) => statSync(join(dir, f)).size;
      sizes[name] = {
        js: size('index.mjs'),
        wasm: size('parquet_wasm_bg.wasm'),
        // What the asset's zip roughly weighs (deflate, as zip uses).
        deflated: files.reduce(
          (n, f) => n + deflateRawSync(readFileSync(join(dir, f)), { level: 9 }).length,
          0,
        ),
      };
    }
    console.log(
      `3 functions bundled and synthesized in ${(ms / 1000).toFixed(1)} s; bytes: ${JSON.stringify(sizes)}`,
    );
    expect(Object.keys(sizes).sort()).toEqual(['Api', 'Coordinator', 'Worker']);
    // The JavaScript within the 2 MB budget; each zipped asset (2.0 MB today, the .wasm's 1.6 MB
    // deflated most of it) with some headroom, so that growth shows up here before it shows in cold starts.
    for (const s of Object.values(sizes)) {
      expect(s.js).toBeLessThan(2 * 1024 * 1024);
      expect(s.deflated).toBeLessThan(2.5 * 1024 * 1024);
    }
    // The handlers really carry the engine and the AWS SDK clients.
    expect(sizes.Worker!.js).toBeGreaterThan(500 * 1024);

    // The bundles load as ES modules and run: the API answers /v1/info …
    const api = (await import(pathToFileURL(bundles.Api!).href)) as {
      handler: (e: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const info = await api.handler({
      rawPath: '/v1/info',
      requestContext: { http: { method: 'GET' }, requestId: 'r' },
    });
    expect(info.statusCode).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ coordinator: true, starting: false });

    // … and the coordinator bundle (here) runs a distributed query on worker-bundle invocations
    // (in the Lambda host), on Parquet in emulated S3: both read Parquet with the copied .wasm.
    const data = await mkdtemp(join(tmpdir(), 'skein-bundle-data-'));
    const aws = await startEmulators({ buckets: ['bundle-bucket'] });
    const saved = { ...process.env };
    let host: LambdaHost | undefined;
    try {
      await generateTpch({ sf: 0.01, out: data, tables: ['nation', 'region'], threads: 1 });
      for (const t of ['nation', 'region']) {
        await aws.seed('bundle-bucket', [
          [`data/${t}/part-0.parquet`, readFileSync(join(data, t, 'part-0.parquet'))],
        ]);
      }
      const env = {
        SKEIN_BUCKET: 'bundle-bucket',
        SKEIN_QUEUE_PREFIX: 'b-q-',
        SKEIN_STACK_QUEUE_PREFIX: 'b-',
        SKEIN_FAILURE_QUEUE: 'invocation-failures',
        SKEIN_WORKER_FUNCTION: 'bundle-worker',
        SKEIN_WORKER_MEMORY_MB: '512',
        SKEIN_MAX_CONCURRENCY: '2',
      };
      Object.assign(process.env, aws.env, env);
      await new SqsMessageQueue({ prefix: 'b-', clientConfig: aws.clientConfig }).createQueue(
        'invocation-failures',
      );
      host = await startLambdaHost({
        concurrency: 2,
        functions: {
          'bundle-worker': { module: bundles.Worker!, memoryMb: 512, timeoutMs: 30_000, environment: env },
        },
      });
      process.env.AWS_ENDPOINT_URL_LAMBDA = host.endpoint;
      const coordinator = (await import(pathToFileURL(bundles.Coordinator!).href)) as {
        handler: (e: unknown) => Promise<QueryRecord>;
      };
      const record = await coordinator.handler({
        queryId: 'bundle-q1',
        sql: 'SELECT r_name, count(*) AS n FROM nation JOIN region ON n_regionkey = r_regionkey GROUP BY r_name',
        user: 'test',
      });
      expect(record.error).toBeUndefined();
      expect(record.phase).toBe('FINISHED');
      expect(record.stats!.tasks).toBeGreaterThan(0);
      expect(host.stats().invocations).toBe(record.stats!.tasks);
      const spool = new S3BlobStore('bundle-bucket', 'spool/', { client: new S3Client(aws.clientConfig) });
      const rows: string[] = [];
      for await (const b of readQueryResult(spool, record)) {
        for (let i = 0; i < b.length; i++)
          rows.push(`${cellText(b.columns[0]!, i)}=${cellText(b.columns[1]!, i)}`);
      }
      expect(rows.sort()).toEqual(['AFRICA=5', 'AMERICA=5', 'ASIA=5', 'EUROPE=5', 'MIDDLE EAST=5']);
    } finally {
      process.env = saved;
      await host?.close();
      await aws.stop();
      await rm(data, { recursive: true, force: true });
    }
  }, 180_000);
});
