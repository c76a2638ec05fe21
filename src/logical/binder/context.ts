/**
 * State shared while binding one statement, and the collectors that gather aggregate and window
 * calls out of the expressions of a SELECT.
 */
import type { Catalog } from '../../catalog/catalog.ts';
import type { Cte, Pos, WindowSpec } from '../../sql/ast.ts';
import { type ColumnExpr, col, type Expr, exprKey } from '../expr.ts';
import type { AggregateCall, WindowCall } from '../plan.ts';
import { IdAllocator } from '../plan.ts';
import type { Scope } from './scope.ts';

export interface BinderState {
  readonly catalog: Catalog;
  readonly ids: IdAllocator;
  /** Where each bound column reference was written, for errors found after binding it. */
  readonly positions: WeakMap<Expr, Pos>;
  /** Views being expanded (to refuse a view that refers to itself). */
  readonly viewStack: string[];
}

export function newBinderState(catalog: Catalog): BinderState {
  return { catalog, ids: new IdAllocator(0), positions: new WeakMap(), viewStack: [] };
}

/** The CTEs visible at a point: innermost first. */
export interface CteEnv {
  readonly cte: Cte;
  /** The CTEs defined before this one (or around its WITH): what its own query sees. */
  readonly next: CteEnv | null;
}

export function findCte(env: CteEnv | null, name: string): CteEnv | undefined {
  for (let e = env; e; e = e.next) if (e.cte.name.value.toLowerCase() === name.toLowerCase()) return e;
  return undefined;
}

export interface ExprContext {
  readonly state: BinderState;
  readonly scope: Scope;
  readonly ctes: CteEnv | null;
  /** The clause being bound, for messages: 'WHERE', 'SELECT', 'GROUP BY', … */
  readonly clause: string;
  /** Collects aggregate calls; null where aggregates are not allowed. */
  readonly aggregates: AggregateCollector | null;
  /** Collects window calls; null where window functions are not allowed. */
  readonly windows: WindowCollector | null;
  /** The SELECT's `WINDOW name AS (…)` definitions. */
  readonly namedWindows: ReadonlyMap<string, WindowSpec>;
}

/** Gathers the aggregate calls of a SELECT, one output column per distinct call. */
export class AggregateCollector {
  readonly calls: AggregateCall[] = [];
  private readonly byKey = new Map<string, ColumnExpr>();
  /** True while binding an aggregate's arguments (aggregates cannot nest). */
  nested = false;

  constructor(private readonly ids: IdAllocator) {}

  add(call: Omit<AggregateCall, 'id'>): ColumnExpr {
    const key =
      exprKey({ kind: 'call', fn: call.fn, args: call.args, type: call.type } as Expr) +
      JSON.stringify([call.distinct, call.filter, call.orderBy]);
    const found = this.byKey.get(key);
    if (found) return found;
    const id = this.ids.fresh();
    this.calls.push({ ...call, id });
    const ref = col(id, call.name, call.type);
    this.byKey.set(key, ref);
    return ref;
  }
}

/** Gathers the window calls of a SELECT. */
export class WindowCollector {
  readonly calls: WindowCall[] = [];
  private readonly byKey = new Map<string, ColumnExpr>();
  nested = false;

  constructor(private readonly ids: IdAllocator) {}

  add(call: Omit<WindowCall, 'id'>): ColumnExpr {
    const key = JSON.stringify({ ...call, name: undefined });
    const found = this.byKey.get(key);
    if (found) return found;
    const id = this.ids.fresh();
    this.calls.push({ ...call, id });
    const ref = col(id, call.name, call.type);
    this.byKey.set(key, ref);
    return ref;
  }
}
