/**
 * The coordinator function: runs one query (DESIGN §1) — plans it, launches and tracks its stages
 * on worker invocations, and keeps its record in the state store until it ends. Invoked
 * asynchronously by the API function with a QueryRequest (`src/engine/query-service.ts`).
 *
 * Thin by design: `runQueryRequest` with the AWS services (`queryServiceDeps()` in env.ts). Query
 * errors end up in the query's record, not as a failed invocation; only a payload that is not a
 * QueryRequest (or a state store that cannot be reached) fails it — and then the on-failure
 * destination keeps the event.
 */
import { type QueryRecord, type QueryRequest, runQueryRequest } from '../src/engine/query-service.ts';
import { queryServiceDeps } from './env.ts';

export async function handler(event: QueryRequest): Promise<QueryRecord> {
  return runQueryRequest(event, queryServiceDeps());
}
