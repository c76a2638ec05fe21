/**
 * `skein serve`: the Trino client protocol on a laptop. The gateway (`src/gateway/`) on
 * `node:http`, queries run in this process by the query service over the embedded runtime (worker
 * threads, a spool folder, an in-memory StateStore), tables from `--data`. One catalog is shared by
 * all queries, so `CREATE TABLE` / `CREATE VIEW` of one client are seen by the next.
 *
 * @example
 * const s = await startServe({ port: 0, data: './data' });
 * // trino --server s.url --user me
 * await s.close();
 */
import { Catalog } from '../catalog/catalog.ts';
import { EmbeddedRuntime } from '../engine/embedded.ts';
import { type QueryRequest, type QueryServiceDeps, runQueryRequest } from '../engine/query-service.ts';
import { SkeinError } from '../errors.ts';
import { Gateway, type GatewayOptions } from '../gateway/gateway.ts';
import { startGatewayServer } from '../gateway/node-server.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { StateStore } from '../ports/state-store.ts';
import { numberFlag, parseFlags } from './args.ts';
import { DISTRIBUTED_FLAGS, runModeFromFlags } from './distributed-flags.ts';

export const SERVE_USAGE = `usage: skein serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--user NAME]
                   [--abandon-after SECONDS] [--tasks N] [--split-size BYTES] [--max-concurrency N]
                   [--fanout adaptive|static]

Serves the Trino client protocol (POST /v1/statement, nextUri, DELETE /v1/query/{id}, /v1/info)
until interrupted (Ctrl-C). Point Trino clients at the printed URL:
  trino --server http://127.0.0.1:8080 --user me
Queries run on the embedded distributed runtime; --data DIR makes each folder of Parquet/CSV
files in DIR a table named after it.

  --host     address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port     port (default 8080; 0 picks a free one)
  --user     the user of requests without an X-Trino-User header (default: the header is required)
  --abandon-after SECONDS
             a query whose client stops polling for this long is cancelled and its result
             deleted (default 300)
  --tasks, --split-size, --max-concurrency, --fanout
             the distributed runtime's knobs, as for 'skein query'`;

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  /** The folder whose folders are tables. */
  readonly data?: string;
  /** User of requests without X-Trino-User. */
  readonly defaultUser?: string;
  /** Gateway knobs (polling, abandonment, page bounds). */
  readonly gateway?: GatewayOptions;
  /** Embedded runtime knobs (tasks, split size, concurrency, …). */
  readonly embedded?: ConstructorParameters<typeof EmbeddedRuntime>[0];
  /**
   * How long a failing or cancelled query waits for its running tasks to report before cleaning
   * up (what is written later is deleted by its writer, see QueryCoordinator). Default 1000 ms:
   * a cancelled query's client should not wait long for its FAILED page.
   */
  readonly drainMs?: number;
  /** How often abandoned queries and served results are swept. Default 1000 ms. */
  readonly sweepEveryMs?: number;
}

export interface RunningServe {
  /** `http://host:port`. */
  readonly url: string;
  readonly gateway: Gateway;
  /** The query records and gateway items. */
  readonly state: StateStore;
  /** Where results are spooled. */
  readonly spool: BlobStore;
  /** Stops listening, cancels running queries, stops the worker threads. */
  close(): Promise<void>;
}

/** Starts the gateway with the embedded runtime; resolves once it listens. */
export async function startServe(options: ServeOptions = {}): Promise<RunningServe> {
  const catalog = new Catalog();
  if (options.data !== undefined) await catalog.registerDataDir(options.data);
  const runtime = new EmbeddedRuntime(options.embedded ?? {});
  const services = runtime.coordinatorServices();
  const deps: QueryServiceDeps = {
    ...services,
    // A crashed worker thread fails its query at once, not at the task timeout.
    failures: await runtime.failureFeed(),
    catalog,
    distributed: options.embedded ?? {},
    drainMs: options.drainMs ?? 1000,
  };
  const running = new Set<Promise<unknown>>();
  const gateway = new Gateway(
    {
      state: services.state,
      spool: services.spool,
      async submit(request: QueryRequest) {
        // Accepted now, run in the background; errors of the query itself go to its record.
        const p = runQueryRequest(request, deps)
          .catch(() => {})
          .finally(() => running.delete(p));
        running.add(p);
      },
    },
    {
      ...(options.defaultUser ? { defaultUser: options.defaultUser } : {}),
      environment: 'skein-serve',
      ...options.gateway,
    },
  );
  const server = await startGatewayServer(gateway, {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.sweepEveryMs === undefined ? {} : { sweepEveryMs: options.sweepEveryMs }),
  });
  runtime.warm();
  let closed: Promise<void> | undefined;
  return {
    url: server.url,
    gateway,
    state: services.state,
    spool: services.spool,
    close() {
      closed ??= (async () => {
        await server.close();
        await runtime.close();
        await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 2000))]);
      })();
      return closed;
    },
  };
}

/** `skein serve`: runs until SIGINT or SIGTERM, then stops cleanly. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    user: { type: 'string' },
    'abandon-after': { type: 'string' },
    tasks: DISTRIBUTED_FLAGS.tasks,
    'split-size': DISTRIBUTED_FLAGS['split-size'],
    'max-concurrency': DISTRIBUTED_FLAGS['max-concurrency'],
    fanout: DISTRIBUTED_FLAGS.fanout,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const port = numberFlag('port', values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new SkeinError('INVALID_ARGUMENT', `--port must be 0–65535, got '${values.port}'`);
  }
  const abandon = numberFlag('abandon-after', values['abandon-after']);
  const run = runModeFromFlags({ ...values, mode: 'embedded' });
  const server = await startServe({
    host: String(values.host ?? '127.0.0.1'),
    port: port ?? 8080,
    ...(values.data === undefined ? {} : { data: String(values.data) }),
    ...(values.user === undefined ? {} : { defaultUser: String(values.user) }),
    ...(abandon === undefined ? {} : { gateway: { abandonAfterMs: abandon * 1000 } }),
    embedded: run.embedded,
  });
  process.stdout.write(
    `skein: serving the Trino protocol at ${server.url}${values.data === undefined ? '' : ` (tables from ${values.data})`}\n` +
      `skein: connect with: trino --server ${server.url} --user $USER   (Ctrl-C stops)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('skein: stopping\n');
  await server.close();
  return 0;
}
