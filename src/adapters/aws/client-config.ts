/**
 * The configuration every AWS client of Skein starts from. Credentials, region and endpoints come
 * from the standard AWS sources (environment variables, `~/.aws/config`, the Lambda role), which the
 * SDK reads itself; this adds only what Skein decides:
 * - `maxAttempts: 1`: the SDK does not retry; the adapters retry with their own policy
 *   (`retry.ts`), so one knob governs how long Skein keeps trying.
 * - With an endpoint override (`AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`, as used for
 *   emulators such as fauxqs or LocalStack): region `us-east-1` when none is configured, and path-style
 *   S3 addressing, since `bucket.localhost` does not resolve.
 *
 * @example
 * const s3 = new S3Client(awsClientConfig('S3', { region: 'eu-west-1' }));
 */
export type AwsService = 'S3' | 'SQS' | 'LAMBDA';

export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  followRegionRedirects?: boolean;
  maxAttempts: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The endpoint override for a service from the environment, if any. */
export function endpointFromEnv(
  service: AwsService,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

export function awsClientConfig(
  service: AwsService,
  overrides: Partial<AwsClientConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
): AwsClientConfig {
  // The SDK warns at every client's creation on Node 20 that releases after January 2027 will need
  // Node 22. Skein supports Node 20 and the warning is no use to someone running `skein`; a user who
  // set the variable either way keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const endpoint = overrides.endpoint ?? endpointFromEnv(service, env);
  const region = overrides.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const config: AwsClientConfig = { maxAttempts: 1, ...overrides };
  if (endpoint) {
    config.endpoint = endpoint;
    if (!region && !env.AWS_PROFILE) config.region = 'us-east-1';
    if (service === 'S3') config.forcePathStyle = overrides.forcePathStyle ?? true;
  } else if (service === 'S3') {
    // A bucket in another region than the configured one answers with a redirect; follow it.
    config.followRegionRedirects = overrides.followRegionRedirects ?? true;
  }
  if (region) config.region = region;
  return config;
}
