/**
 * The API function behind API Gateway (HTTP API, payload format 2.0): the Trino client protocol
 * (DESIGN §5), served by the same gateway code as `skein serve` (`src/gateway/`).
 *
 * Thin by design: query state is the S3 StateStore of `awsServices()`, results are read from the
 * spool bucket, and a query is started by invoking the coordinator function asynchronously with
 * its `QueryRequest`. The function keeps nothing between invocations that another container would
 * need; the gateway's sweep (abandoned queries, served results) runs now and then on a request.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `SKEIN_ENVIRONMENT` | `environment` in `/v1/info` | `aws` |
 * | `SKEIN_DEFAULT_USER` | user of requests without `X-Trino-User` | none: the header is required |
 * | `SKEIN_ABANDON_AFTER_MS` | a query whose client stopped polling this long is abandoned | 300000 |
 */

import { Gateway, type GatewayBackend } from '../src/gateway/gateway.ts';
import { type HttpApiEvent, type HttpApiResult, handleHttpApiEvent } from '../src/gateway/http-api-event.ts';
import { awsServices, FUNCTION_NAMES } from './env.ts';

export type { HttpApiEvent, HttpApiResult };

/** How often one container sweeps (each sweep lists the gateway's query items). */
const SWEEP_EVERY_MS = 60_000;

let gateway: Gateway | undefined;
let lastSweep = Date.now();

/** The AWS services are made on first use, so `/v1/info` answers even where they are not configured. */
const backend: GatewayBackend = {
  get state() {
    return awsServices().state;
  },
  get spool() {
    return awsServices().spool;
  },
  async submit(request) {
    await awsServices().invoker.invoke(FUNCTION_NAMES.coordinator, request);
  },
};

function theGateway(): Gateway {
  if (gateway === undefined) {
    const abandon = Number(process.env.SKEIN_ABANDON_AFTER_MS);
    gateway = new Gateway(backend, {
      environment: process.env.SKEIN_ENVIRONMENT ?? 'aws',
      // S3 reads cost more than memory ones: re-read a waiting query's record less often.
      pollIntervalMs: 250,
      // The page is a JSON string inside Lambda's JSON response (≤ 6 MB), where its quotes and
      // backslashes are escaped again: keep well below half of it.
      page: { targetBytes: 2 * 1024 * 1024 },
      ...(process.env.SKEIN_DEFAULT_USER ? { defaultUser: process.env.SKEIN_DEFAULT_USER } : {}),
      ...(Number.isFinite(abandon) && abandon > 0 ? { abandonAfterMs: abandon } : {}),
    });
  }
  return gateway;
}

export async function handler(event: HttpApiEvent): Promise<HttpApiResult> {
  const g = theGateway();
  if (Date.now() - lastSweep >= SWEEP_EVERY_MS && event.rawPath !== '/v1/info') {
    lastSweep = Date.now();
    await g.sweep().catch(() => {});
  }
  return await handleHttpApiEvent(g, event);
}
