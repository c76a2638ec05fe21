/**
 * The gateway behind API Gateway: an HTTP API event (payload format 2.0) in, the Lambda proxy
 * result out — the host the API function (`functions/api.ts`) uses. Nothing here is AWS-specific
 * beyond the event's shape, so it is tested without AWS.
 *
 * API Gateway joins repeated response headers with commas; a SET SESSION of several properties
 * therefore arrives as one `X-Trino-Set-Session` value (clients read the first property).
 *
 * @example
 * export const handler = (event: HttpApiEvent) => handleHttpApiEvent(gateway(), event);
 */
import type { Gateway } from './gateway.ts';

/** The parts of API Gateway's v2 event the gateway reads. */
export interface HttpApiEvent {
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    http: { method: string };
    requestId: string;
    domainName?: string;
    stage?: string;
  };
}

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Answers one API Gateway event through the gateway. */
export async function handleHttpApiEvent(gateway: Gateway, event: HttpApiEvent): Promise<HttpApiResult> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  const stage = event.requestContext.stage;
  const prefix = stage && stage !== '$default' ? `/${stage}` : '';
  let path = event.rawPath;
  if (prefix && (path === prefix || path.startsWith(`${prefix}/`))) path = path.slice(prefix.length) || '/';
  const host = event.requestContext.domainName ?? headers.host ?? 'localhost';
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const body =
    event.body === undefined
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  const answer = await gateway.handle({
    method: event.requestContext.http.method,
    path,
    headers,
    body,
    baseUrl: `${proto}://${host}${prefix}`,
  });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers)) out[k] = Array.isArray(v) ? v.join(',') : v;
  return { statusCode: answer.status, headers: out, body: answer.body };
}
