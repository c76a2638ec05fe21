/**
 * The CDK app: one SkeinStack with the handlers in functions/. Settings come from CDK context
 * (`-c key=value` on the command line, or cdk.json):
 *
 * | context | default |
 * |---|---|
 * | `stackName` | `Skein` |
 * | `workerMemoryMb`, `coordinatorMemoryMb`, `apiMemoryMb` | 3008, 1024, 512 |
 * | `workerTimeoutSeconds`, `coordinatorTimeoutSeconds`, `apiTimeoutSeconds` | 900, 900, 30 |
 * | `workerReservedConcurrency` | none |
 * | `auth` | `iam`, or `jwt` with `jwtIssuer` and `jwtAudience` (comma-separated) |
 * | `dataBuckets` | comma-separated bucket names the functions may read |
 * | `data` | where the tables are (`s3://bucket/prefix/`; its bucket in `dataBuckets` when not the stack's) | `s3://<stack bucket>/data/` |
 * | `maxConcurrency` | worker invocations one query may have running at once | `workerReservedConcurrency`, else 32 |
 * | `alarmEmail` | none |
 * | `sourceMaps` | `false`; `true` ships source maps (TypeScript lines in stack traces; bigger, slower cold starts) |
 * | `httpApi` | `true`; `false` leaves out the HTTP API (LocalStack's free edition lacks API Gateway v2) |
 *
 * @example
 * npm run deploy -- -c workerMemoryMb=4096 -c dataBuckets=my-lake
 */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib/core';
import { type SkeinApiAuth, SkeinStack } from '../lib/skein-stack.ts';

const app = new App();
const ctx = (key: string): string | undefined => {
  const v = app.node.tryGetContext(key);
  return v === undefined || v === '' ? undefined : String(v);
};
const num = (key: string): number | undefined => {
  const v = ctx(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`context ${key} must be a positive whole number, got '${v}'`);
  return n;
};
const list = (key: string) =>
  ctx(key)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const entry = (name: string) => fileURLToPath(new URL(`../../functions/${name}.ts`, import.meta.url));

const authKind = ctx('auth') ?? 'iam';
let auth: SkeinApiAuth;
if (authKind === 'iam') auth = { kind: 'iam' };
else if (authKind === 'jwt') {
  const issuer = ctx('jwtIssuer');
  const audience = list('jwtAudience');
  if (!issuer || !audience?.length) throw new Error('auth=jwt needs -c jwtIssuer=… and -c jwtAudience=…');
  auth = { kind: 'jwt', issuer, audience };
} else throw new Error(`context auth must be 'iam' or 'jwt', got '${authKind}'`);

const stackName = ctx('stackName') ?? 'Skein';
new SkeinStack(app, stackName, {
  stackName,
  description: 'Skein: serverless distributed SQL',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  functions: {
    api: { entry: entry('api'), memoryMb: num('apiMemoryMb'), timeoutSeconds: num('apiTimeoutSeconds') },
    coordinator: {
      entry: entry('coordinator'),
      memoryMb: num('coordinatorMemoryMb'),
      timeoutSeconds: num('coordinatorTimeoutSeconds'),
    },
    worker: {
      entry: entry('worker'),
      memoryMb: num('workerMemoryMb'),
      timeoutSeconds: num('workerTimeoutSeconds'),
      reservedConcurrency: num('workerReservedConcurrency'),
    },
  },
  auth,
  dataBuckets: list('dataBuckets'),
  data: ctx('data'),
  maxConcurrency: num('maxConcurrency'),
  alarmEmail: ctx('alarmEmail'),
  httpApi: ctx('httpApi') !== 'false',
  sourceMaps: ctx('sourceMaps') === 'true',
});
