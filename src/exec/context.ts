import { SkeinError } from '../errors.ts';
import type { Schema } from '../types/data-type.ts';
import type { Batch } from './vector.ts';

/**
 * A running operator: an async stream of batches with a known schema (pull-based — the consumer's
 * `next()` drives the work). Operators are created from physical plan nodes, which stay plain data.
 */
export interface BatchStream extends AsyncIterable<Batch> {
  readonly schema: Schema;
}

/** What every operator of one task shares. */
export interface ExecContext {
  /** Rows per batch operators aim for when they build batches. */
  readonly batchSize: number;
  readonly memory: MemoryPool;
  /** Aborted when the query is cancelled; long loops check it between batches. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_BATCH_SIZE = 65_536;

/**
 * A task's memory budget. Operators that hold data (hash tables, sorts, buffers) reserve what they
 * hold; going over the budget fails the query with RESOURCES_EXHAUSTED naming the operator
 * (spilling can come later).
 *
 * @example
 * const r = ctx.memory.reserve('HashAggregate');
 * r.grow(table.byteSize); // throws when over budget
 * r.release();
 */
export class MemoryPool {
  readonly limit: number;
  private used = 0;
  private peakBytes = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get reserved(): number {
    return this.used;
  }

  get peak(): number {
    return this.peakBytes;
  }

  reserve(operator: string): MemoryReservation {
    return new MemoryReservation(this, operator);
  }

  /** @internal */
  change(operator: string, delta: number): void {
    if (delta > 0 && this.used + delta > this.limit) {
      throw new SkeinError(
        'RESOURCES_EXHAUSTED',
        `${operator} needs more memory than the query's budget of ${mib(this.limit)} ` +
          `(${mib(this.used)} already in use); raise the memory limit or reduce the data`,
      );
    }
    this.used += delta;
    if (this.used > this.peakBytes) this.peakBytes = this.used;
  }
}

export class MemoryReservation {
  private bytes = 0;
  constructor(
    private readonly pool: MemoryPool,
    readonly operator: string,
  ) {}

  get size(): number {
    return this.bytes;
  }

  /** Sets the reservation to `bytes` (growing or shrinking it). */
  resize(bytes: number): void {
    this.pool.change(this.operator, bytes - this.bytes);
    this.bytes = bytes;
  }

  grow(bytes: number): void {
    this.resize(this.bytes + bytes);
  }

  release(): void {
    this.resize(0);
  }
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MiB`;
}
