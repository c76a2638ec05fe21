/**
 * The API function behind API Gateway (HTTP API, payload format 2.0): the Trino client protocol
 * (DESIGN §5). Thin by design: it will hand requests to `src/gateway/`.
 *
 * Today it answers `GET /v1/info` (Trino's server-info endpoint, which clients use to check a
 * server) and refuses everything else with 501 and a Trino-shaped error naming what is missing:
 * the gateway and runtime have not landed yet.
 */
import pkg from '../package.json' with { type: 'json' };

/** The parts of API Gateway's v2 event this function reads. */
export interface HttpApiEvent {
  rawPath: string;
  requestContext: { http: { method: string }; requestId: string };
}

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const started = Date.now();

export async function handler(event: HttpApiEvent): Promise<HttpApiResult> {
  const method = event.requestContext.http.method;
  if (method === 'GET' && event.rawPath === '/v1/info') {
    return json(200, {
      nodeVersion: { version: `skein-${pkg.version}` },
      environment: process.env.SKEIN_ENVIRONMENT ?? 'aws',
      coordinator: true,
      starting: false,
      uptime: `${((Date.now() - started) / 1000).toFixed(2)}s`,
    });
  }
  return json(501, {
    error: {
      message: `${method} ${event.rawPath}: query execution is not deployed in this build (the gateway and distributed runtime have not landed yet)`,
      errorCode: 1,
      errorName: 'NOT_SUPPORTED',
      errorType: 'USER_ERROR',
    },
  });
}

function json(statusCode: number, body: unknown): HttpApiResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
