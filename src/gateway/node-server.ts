/**
 * The gateway on `node:http` — the host of `skein serve`. It reads each request's body as text,
 * hands the request to {@link Gateway.handle}, writes the answer, and runs the gateway's sweep
 * (abandoned queries, served results) on a timer.
 *
 * @example
 * const server = await startGatewayServer(gateway, { host: '127.0.0.1', port: 0 });
 * console.log(server.url);  // http://127.0.0.1:41234
 * await server.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway, GatewayRequest } from './gateway.ts';

export interface GatewayServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** How often to sweep (abandoned queries, served results). Default 1000 ms. */
  readonly sweepEveryMs?: number;
  /** Largest accepted request body (the SQL text). Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

export interface GatewayServer {
  /** `http://host:port` of the listening server. */
  readonly url: string;
  readonly server: Server;
  /** Stops accepting requests, ends open connections, stops the sweep. */
  close(): Promise<void>;
}

export async function startGatewayServer(
  gateway: Gateway,
  options: GatewayServerOptions = {},
): Promise<GatewayServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const server = createServer((req, res) => {
    serve(gateway, req, res, maxBody).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: String(err),
            errorCode: 65536,
            errorName: 'GENERIC_INTERNAL_ERROR',
            errorType: 'INTERNAL_ERROR',
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    gateway
      .sweep()
      .catch(() => {})
      .finally(() => {
        sweeping = false;
      });
  }, options.sweepEveryMs ?? 1000);
  timer.unref();
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function serve(
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  maxBody: number,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: `request body is larger than ${maxBody} bytes`,
            errorCode: 35,
            errorName: 'QUERY_TEXT_TOO_LARGE',
            errorType: 'USER_ERROR',
          },
        }),
      );
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const request: GatewayRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
    baseUrl: `http://${req.headers.host ?? 'localhost'}`,
  };
  const answer = await gateway.handle(request);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
