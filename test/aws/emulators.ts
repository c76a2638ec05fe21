/**
 * Emulated AWS for tests: fauxqs (S3 and SQS) started in this process on 127.0.0.1, on a free port.
 *
 * fauxqs's own start helpers bind 0.0.0.0, so this builds its Fastify app with `buildApp` and
 * listens on loopback itself. Two request hooks close the gaps that matter to Skein:
 * - **Conditional writes**, which fauxqs ignores: PutObject / CompleteMultipartUpload with
 *   `If-None-Match: *` or `If-Match: <etag>`, and DeleteObject with `If-Match`, are checked against
 *   the current object (an internal HEAD) while writers of the same key wait their turn — so of
 *   racing `If-None-Match: *` writers exactly one wins, as on S3.
 * - **Fault injection**: `faults.add(...)` makes matching requests fail (e.g. 503 SlowDown) a given
 *   number of times, to prove the adapters' retries.
 *
 * Single PUTs over 11 MiB are refused by fauxqs (its body limit); the S3 adapter's multipart parts
 * stay below it.
 *
 * @example
 * const aws = await startEmulators({ buckets: ['data'] });
 * const store = new S3BlobStore('data', '', { client: new S3Client(aws.clientConfig) });
 * …
 * await aws.stop();
 */
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

// The SDK's warning that its 2027 releases will need Node 22 would only clutter test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface EmulatorClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: true;
  maxAttempts: number;
}

export interface FaultRule {
  /** HTTP method to match, e.g. 'GET'; any when absent. */
  method?: string;
  /** Matched against the path and query (`/bucket/key?partNumber=1…`); for SQS against the action. */
  match: RegExp;
  /** How many matching requests fail. */
  times: number;
  status?: number;
  /** S3 error code (`SlowDown`, `InternalError`) or SQS error name. */
  code?: string;
}

export interface Emulators {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  region: string;
  /** For S3Client / SQSClient constructors. `maxAttempts: 1`, as the adapters set it. */
  clientConfig: EmulatorClientConfig;
  /** Environment for a child process (e.g. the `skein` CLI) to reach the emulators. */
  env: Record<string, string>;
  faults: {
    add(rule: FaultRule): void;
    /** Faults injected so far. */
    readonly injected: number;
    clear(): void;
  };
  createBucket(name: string): Promise<void>;
  /**
   * Puts objects straight into the emulator (in-process requests, no SDK): a fast way to seed many
   * keys for a test about something else.
   */
  seed(bucket: string, objects: Iterable<[key: string, body: string | Uint8Array]>): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulators(options: { buckets?: string[] } = {}): Promise<Emulators> {
  const app = buildApp({ logger: false });
  installFaults(app);
  installConditionalWrites(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const clientConfig: EmulatorClientConfig = {
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
    maxAttempts: 1,
  };
  const s3 = new S3Client(clientConfig);
  const createBucket = async (name: string) => {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  };
  for (const b of options.buckets ?? []) await createBucket(b);
  const faults = (app as unknown as { skeinFaults: FaultState }).skeinFaults;
  return {
    endpoint,
    port,
    region,
    clientConfig,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    faults: {
      add: (rule) => faults.rules.push({ ...rule }),
      get injected() {
        return faults.injected;
      },
      clear: () => {
        faults.rules.length = 0;
      },
    },
    createBucket,
    seed: async (bucket, objects) => {
      for (const [key, body] of objects) {
        const res = await app.inject({
          method: 'PUT',
          url: `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          headers: { 'content-type': 'application/octet-stream' },
          payload: typeof body === 'string' ? body : Buffer.from(body),
        });
        if (res.statusCode !== 200)
          throw new Error(`seeding ${bucket}/${key}: HTTP ${res.statusCode} ${res.body}`);
      }
    },
    stop: async () => {
      s3.destroy();
      await app.close();
    },
  };
}

type App = ReturnType<typeof buildApp>;

interface FaultState {
  rules: FaultRule[];
  injected: number;
}

function installFaults(app: App): void {
  const state: FaultState = { rules: [], injected: 0 };
  (app as unknown as { skeinFaults: FaultState }).skeinFaults = state;
  app.addHook('onRequest', async (req, reply) => {
    if (state.rules.length === 0) return;
    const target = String(req.headers['x-amz-target'] ?? ''); // SQS: AmazonSQS.SendMessage
    const what = target ? target.replace(/^AmazonSQS\./, '') : req.url;
    const rule = state.rules.find(
      (r) => r.times > 0 && (!r.method || r.method === req.method) && r.match.test(what),
    );
    if (!rule) return;
    rule.times--;
    state.injected++;
    const status = rule.status ?? 503;
    const code = rule.code ?? (target ? 'ServiceUnavailable' : 'SlowDown');
    if (target) {
      reply
        .code(status)
        .header('content-type', 'application/x-amz-json-1.0')
        .header('x-amzn-query-error', `${code};Receiver`)
        .send(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: 'injected fault' }));
    } else {
      reply.code(status).header('content-type', 'application/xml').send(s3ErrorXml(code, 'injected fault'));
    }
    return reply;
  });
}

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * Conditional writes as S3 does them. Writers of one key are serialized from the check to the end
 * of the response, so the check and the write are one step.
 */
function installConditionalWrites(app: App): void {
  const locks = new Map<string, Promise<void>>();
  const releases = new WeakMap<object, () => void>();
  app.addHook('onRequest', async (req, reply) => {
    const ifNoneMatch = header(req.headers['if-none-match']);
    const ifMatch = header(req.headers['if-match']);
    if (!ifNoneMatch && !ifMatch) return;
    const url = new URL(req.url, 'http://emulator');
    const q = url.searchParams;
    const isPut = req.method === 'PUT' && !q.has('partNumber') && !req.headers['x-amz-copy-source'];
    const isComplete = req.method === 'POST' && q.has('uploadId');
    const isDelete = req.method === 'DELETE' && !q.has('uploadId');
    if (!isPut && !isComplete && !isDelete) return; // GET/HEAD conditions: fauxqs handles those
    const path = url.pathname; // path-style: /bucket/key
    while (locks.has(path)) await locks.get(path);
    let release!: () => void;
    locks.set(
      path,
      new Promise<void>((r) => {
        release = () => {
          if (locks.get(path)) {
            locks.delete(path);
            r();
          }
        };
      }),
    );
    releases.set(req, release);
    const head = await app.inject({ method: 'HEAD', url: path });
    const exists = head.statusCode === 200;
    let fail: [number, string] | undefined;
    if (ifNoneMatch === '*' && exists) fail = [412, 'PreconditionFailed'];
    else if (ifMatch && !exists) fail = [404, 'NoSuchKey'];
    else if (ifMatch && ifMatch !== '*' && unquote(String(head.headers.etag)) !== unquote(ifMatch)) {
      fail = [412, 'PreconditionFailed'];
    }
    if (fail) {
      release();
      reply
        .code(fail[0])
        .header('content-type', 'application/xml')
        .send(s3ErrorXml(fail[1], 'At least one of the pre-conditions you specified did not hold'));
      return reply;
    }
  });
  const done = async (req: object) => releases.get(req)?.();
  app.addHook('onResponse', done);
  app.addHook('onRequestAbort', done);
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
