/**
 * The physical planner: an optimized logical plan → a physical plan (plain data, see `plan.ts`).
 *
 * What it decides:
 * - **Scans**: the table's files become splits; only the needed columns are read; the scan's
 *   pushed filters become its predicate (row groups whose statistics refute it are skipped, and
 *   the rows are filtered as they are read).
 * - **Expressions** are bound to input positions. Operators take column indices, so computed
 *   group keys, aggregate arguments, join keys, sort keys and window arguments are first added by a
 *   projection (and dropped again above the operator when they would show).
 * - **Joins**: equi-keys (`a = b` with each side over one input) make a hash join whose build
 *   side is the input with fewer estimated rows; `IS NOT DISTINCT FROM` keys on nullable columns
 *   become two keys (`x IS NULL`, `coalesce(x, 0)`); the rest of the condition is the residual.
 *   Without keys: a nested-loop join. A `single` join (scalar subquery) checks its one-match rule
 *   with a row number and a uniqueness assertion, or with EnforceSingleRow when uncorrelated.
 * - **ORDER BY + LIMIT** → TopK; **aggregates** → HashAggregate in `single` mode (the distributed
 *   planner later splits it into partial and final); **INTERSECT / EXCEPT ALL** → numbered rows
 *   (a row_number window per distinct row) semi / anti joined on every column and the number.
 * - **Windows**: calls over the same (PARTITION BY, ORDER BY) share one Window node; others stack.
 *
 * @example
 * const { plan: optimized } = optimize(bound);
 * const physical = planPhysical(optimized, { catalog });
 * explainPhysical(physical); // HashAggregate: … / ParquetScan: lineitem …
 */
import type { Catalog } from '../catalog/catalog.ts';
import type { ExternalTable, MemoryTable } from '../catalog/table.ts';
import { SkeinError } from '../errors.ts';
import type { AggregateFunction, AggregateSpec } from '../exec/aggregate/aggregate-spec.ts';
import { hashAggregateSchema } from '../exec/aggregate/hash-aggregate.ts';
import type { JoinType as ExecJoinType, HashJoinConfig } from '../exec/join/hash-join.ts';
import { hashJoinSchema } from '../exec/join/hash-join.ts';
import { type NestedLoopJoinConfig, nestedLoopJoinSchema } from '../exec/join/nested-loop-join.ts';
import type { SortKey as ExecSortKey } from '../exec/sort/sort-keys.ts';
import type {
  FrameBound as ExecFrameBound,
  WindowFrame as ExecWindowFrame,
  WindowFunction,
  WindowFunctionSpec,
} from '../exec/window/window-spec.ts';
import { windowSchema } from '../exec/window/window-spec.ts';
import { CardinalityEstimator } from '../logical/cardinality.ts';
import {
  type ColumnId,
  type Expr,
  exprColumns,
  exprKey,
  type LiteralValue,
  splitConjunction,
} from '../logical/expr.ts';
import type { FrameBound, WindowFrame } from '../logical/nodes/window.ts';
import {
  type AggregateNode,
  exprNullable,
  type JoinNode,
  type LogicalPlan,
  nodeExprs,
  type OutputColumn,
  outputColumns,
  type ScanNode,
  type SetOperationNode,
  type SortKey,
  type WindowCall,
  type WindowNode,
} from '../logical/plan.ts';
import { BOOLEAN, type DataType, type Field, INT64, typesEqual, typeToString } from '../types/data-type.ts';
import { type PhysicalExpr, physicalExprColumns, type ScalarValue } from './expr.ts';
import type { NodeBase } from './nodes/common.ts';
import { type PhysicalPlan, planInputs, visitPhysical, withInputs } from './plan.ts';
import { toPhysicalExpr } from './planner/expr.ts';

export interface PlannerOptions {
  /** Where scans find their tables' files and rows. */
  readonly catalog: Catalog;
}

/** Plans an optimized logical plan. Its output columns are the logical plan's, in order and named alike. */
export function planPhysical(plan: LogicalPlan, options: PlannerOptions): PhysicalPlan {
  const planner = new Planner(options.catalog, new CardinalityEstimator(plan), neededColumns(plan));
  const out = planner.plan(plan);
  return planner.conform(out, outputColumns(plan), true).node;
}

/** Results cached for a repeated subplan must fit this (estimated bytes). */
const CACHE_LIMIT_BYTES = 256 << 20;
/** …and be worth it: the subplan reads at least this many rows (estimated). */
const CACHE_MIN_SCANNED_ROWS = 50_000;

/**
 * For running in one process: wraps each subplan that occurs more than once (the same operators over the same inputs — a CTE
 * or view used twice, a table scanned alike twice) in a Cache node, so it runs once. Only the
 * top-most repeats, and only when the result is small enough to hold and the work big enough to
 * matter.
 */
export function shareCommonSubplans(plan: PhysicalPlan): PhysicalPlan {
  const keys = new Map<PhysicalPlan, string>();
  const keyOf = (p: PhysicalPlan): string => {
    let k = keys.get(p);
    if (k === undefined) {
      k = JSON.stringify(p, (name, v) => (name === 'id' || name === 'estimatedRows' ? undefined : v));
      keys.set(p, k);
    }
    return k;
  };
  const count = new Map<string, number>();
  visitPhysical(plan, (p) => {
    const k = keyOf(p);
    count.set(k, (count.get(k) ?? 0) + 1);
  });
  const worth = (p: PhysicalPlan): boolean => {
    const rows = p.estimatedRows ?? Number.POSITIVE_INFINITY;
    const width = p.schema.reduce((w, f) => w + (f.type.kind === 'varchar' ? 24 : 8), 0);
    if (rows * Math.max(width, 1) > CACHE_LIMIT_BYTES) return false;
    let scanned = 0;
    visitPhysical(p, (x) => {
      if (x.kind === 'parquet_scan' || x.kind === 'csv_scan' || x.kind === 'memory_scan') {
        scanned += x.estimatedRows ?? 0;
      }
    });
    return scanned >= CACHE_MIN_SCANNED_ROWS;
  };
  let nextId = 0;
  visitPhysical(plan, (p) => {
    nextId = Math.max(nextId, p.id + 1);
  });
  const keyIds = new Map<string, string>();
  const rewrite = (p: PhysicalPlan): PhysicalPlan => {
    const k = keyOf(p);
    const n = count.get(k) ?? 1;
    if (n > 1 && p.kind !== 'cache' && worth(p)) {
      let short = keyIds.get(k);
      if (short === undefined) {
        short = `c${keyIds.size + 1}`;
        keyIds.set(k, short);
      }
      return Object.freeze({
        kind: 'cache',
        id: nextId++,
        schema: p.schema,
        estimatedRows: p.estimatedRows,
        input: p,
        key: short,
        consumers: n,
      });
    }
    return withInputs(p, planInputs(p).map(rewrite));
  };
  return rewrite(plan);
}

/** A planned subtree: the node, and the logical column id at each output position (null: a helper column). */
interface Planned {
  readonly node: PhysicalPlan;
  readonly ids: readonly (ColumnId | null)[];
}

type Body<T extends PhysicalPlan> = Omit<T, 'id' | 'estimatedRows'>;
type NodeOf<K extends PhysicalPlan['kind']> = Extract<PhysicalPlan, { kind: K }>;

/** A column reference as a physical expression. */
function ref(index: number, field: Field): PhysicalExpr {
  return Object.freeze({ kind: 'column', index, type: field.type, name: field.name });
}

class Planner {
  private nextId = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly estimator: CardinalityEstimator,
    /** Per node, the output columns its ancestors use (see `neededColumns`). */
    private readonly needed: ReadonlyMap<LogicalPlan, ReadonlySet<ColumnId>>,
  ) {}

  /** The node's output columns that its ancestors use (all when unknown). */
  private neededOutputs(p: LogicalPlan): readonly OutputColumn[] {
    const need = this.needed.get(p);
    const cols = outputColumns(p);
    return need === undefined ? cols : cols.filter((c) => need.has(c.id));
  }

  /** A frozen node with a fresh id. */
  private make<K extends PhysicalPlan['kind']>(
    body: Body<NodeOf<K>> & { kind: K },
    rows: number | null,
  ): NodeOf<K> {
    const node = { ...body, id: this.nextId++, estimatedRows: rows === null ? null : Math.round(rows) };
    return Object.freeze(node) as unknown as NodeOf<K>;
  }

  private rows(p: LogicalPlan): number {
    return this.estimator.rows(p);
  }

  plan(p: LogicalPlan): Planned {
    switch (p.kind) {
      case 'scan':
        return this.scan(p);
      case 'values': {
        const schema = p.columns.map(fieldOf);
        const node = this.make<'values'>(
          {
            kind: 'values',
            schema,
            rows: p.rows.map((r) => r.map((e) => toPhysicalExpr(e, new Map(), []))),
          },
          p.rows.length,
        );
        return { node, ids: p.columns.map((c) => c.id) };
      }
      case 'filter': {
        const input = this.plan(p.input);
        return { node: this.filter(input, p.predicate, this.rows(p)), ids: input.ids };
      }
      case 'project':
        return this.project(p);
      case 'aggregate':
        return this.aggregate(p);
      case 'distinct': {
        const input = this.plan(p.input);
        const config = { mode: 'single' as const, groupBy: input.ids.map((_, i) => i), aggregates: [] };
        const node = this.make<'hash_aggregate'>(
          {
            kind: 'hash_aggregate',
            input: input.node,
            config,
            schema: hashAggregateSchema(input.node.schema, config),
          },
          this.rows(p),
        );
        return { node, ids: input.ids };
      }
      case 'join':
        return this.join(p);
      case 'sort':
        return this.sort(p, p.limit, 0, this.rows(p));
      case 'limit': {
        if (p.input.kind === 'sort' && p.input.limit === null && p.limit !== null) {
          return this.sort(p.input, p.limit, p.offset, this.rows(p));
        }
        const input = this.plan(p.input);
        const node = this.make<'limit'>(
          {
            kind: 'limit',
            input: input.node,
            schema: input.node.schema,
            config: { limit: p.limit, offset: p.offset },
          },
          this.rows(p),
        );
        return { node, ids: input.ids };
      }
      case 'set_operation':
        return this.setOperation(p);
      case 'window':
        return this.window(p);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Scans

  private scan(p: ScanNode): Planned {
    const entry = this.catalog.get(p.table);
    if (entry.kind === 'view') {
      throw new SkeinError(
        'INTERNAL',
        `internal error (this is a bug in Skein): view '${p.table}' reached the planner`,
      );
    }
    const rows = this.rows(p);
    const ids = p.columns.map((c) => c.id);
    // A scan that needs no column (count(*)) still reads one to learn the row count.
    const cols =
      p.columns.length > 0 ? p.columns.map((c) => ({ index: c.index, type: c.type })) : [firstColumn(entry)];
    const schema: Field[] = cols.map((c, i) => ({
      name: p.columns[i]?.name ?? entry.schema[c.index]!.name,
      type: c.type,
      nullable: entry.schema[c.index]?.nullable ?? true,
    }));
    const layout = new Map(p.columns.map((c, i) => [c.id, i]));
    const predicate =
      p.filters.length === 0 ? null : andAll(p.filters.map((f) => toPhysicalExpr(f, layout, schema)));
    let node: PhysicalPlan;
    if (entry.kind === 'memory') {
      node = this.make<'memory_scan'>(
        {
          kind: 'memory_scan',
          table: entry.name,
          columns: cols.map((c) => c.index),
          schema,
          predicate,
          limit: p.limit,
        },
        rows,
      );
    } else if (entry.format === 'parquet') {
      node = this.make<'parquet_scan'>(
        {
          kind: 'parquet_scan',
          table: entry.name,
          store: entry.store.describe(),
          splits: entry.files.map((f) => ({ key: f.key, size: f.size })),
          columns: cols.map((c) => entry.schema[c.index]!.name),
          schema,
          predicate,
          limit: p.limit,
        },
        rows,
      );
    } else {
      const csv = entry.csv;
      node = this.make<'csv_scan'>(
        {
          kind: 'csv_scan',
          table: entry.name,
          store: entry.store.describe(),
          files: entry.files.map((f) => ({ key: f.key, size: f.size })),
          fileSchema: entry.schema,
          columns: cols.map((c) => entry.schema[c.index]!.name),
          schema,
          header: csv?.header ?? true,
          delimiter: csv?.delimiter ?? ',',
          quote: csv?.quote ?? '"',
          predicate,
          limit: p.limit,
        },
        rows,
      );
    }
    if (p.columns.length === 0) return this.select({ node, ids: [null] }, [], rows);
    // Columns read only for the scan's own filter are dropped right away.
    const need = this.needed.get(p);
    if (need !== undefined && p.columns.some((c) => !need.has(c.id))) {
      const keep = p.columns.flatMap((c, i) => (need.has(c.id) ? [i] : []));
      return this.select({ node, ids }, keep, rows);
    }
    return { node, ids };
  }

  // ------------------------------------------------------------------------------------------
  // Filter, project

  private filter(input: Planned, predicate: Expr, rows: number): PhysicalPlan {
    const pred = toPhysicalExpr(predicate, layoutOf(input), input.node.schema);
    return this.make<'filter'>(
      { kind: 'filter', input: input.node, schema: input.node.schema, predicate: pred },
      rows,
    );
  }

  private project(p: Extract<LogicalPlan, { kind: 'project' }>): Planned {
    const input = this.plan(p.input);
    const layout = layoutOf(input);
    const inSchema = input.node.schema;
    // A projection that only passes the input's columns through, in order, is not needed.
    const identity =
      p.items.length === input.ids.length &&
      p.items.every(
        (it, i) => it.expr.kind === 'column' && it.expr.id === input.ids[i] && it.id === it.expr.id,
      );
    if (identity) return input;
    const cols = outputColumns(p);
    const items = p.items.map((it, i) => ({
      name: cols[i]!.name,
      expr: toPhysicalExpr(it.expr, layout, inSchema),
    }));
    return this.projectNode(
      input,
      items,
      p.items.map((it) => it.id),
      this.rows(p),
    );
  }

  private projectNode(
    input: Planned,
    items: readonly { name: string; expr: PhysicalExpr }[],
    ids: readonly (ColumnId | null)[],
    rows: number | null,
  ): Planned {
    const inSchema = input.node.schema;
    const schema: Field[] = items.map((it) => ({
      name: it.name,
      type: it.expr.type,
      nullable: it.expr.kind === 'column' ? (inSchema[it.expr.index]?.nullable ?? true) : true,
    }));
    const node = this.make<'project'>({ kind: 'project', input: input.node, schema, items }, rows);
    return { node, ids };
  }

  /** Keeps the input columns at `positions` (in that order). */
  private select(input: Planned, positions: readonly number[], rows: number | null): Planned {
    const s = input.node.schema;
    return this.projectNode(
      input,
      positions.map((i) => ({ name: s[i]!.name, expr: ref(i, s[i]!) })),
      positions.map((i) => input.ids[i]!),
      rows,
    );
  }

  /** Drops the helper columns (null ids), if any. */
  private dropHelpers(input: Planned): Planned {
    if (input.ids.every((id) => id !== null)) return input;
    const keep = input.ids.flatMap((id, i) => (id === null ? [] : [i]));
    return this.select(input, keep, input.node.estimatedRows);
  }

  /**
   * Makes each expression available as an input column: plain column references are used where
   * they are; the others are computed by a projection that appends them (as helper columns).
   * Returns the (possibly new) input and the position of each expression.
   */
  private materialize(input: Planned, exprs: readonly Expr[]): { input: Planned; positions: number[] } {
    const layout = layoutOf(input);
    const computed: { name: string; expr: PhysicalExpr }[] = [];
    const seen = new Map<string, number>();
    const width = input.ids.length;
    const positions = exprs.map((e) => {
      if (e.kind === 'column') {
        const at = layout.get(e.id);
        if (at !== undefined) return at;
      }
      const key = exprKey(e);
      const known = seen.get(key);
      if (known !== undefined) return known;
      const at = width + computed.length;
      computed.push({ name: `#${at}`, expr: toPhysicalExpr(e, layout, input.node.schema) });
      seen.set(key, at);
      return at;
    });
    if (computed.length === 0) return { input, positions };
    return { input: this.append(input, computed), positions };
  }

  /** The input's columns followed by `extra` computed ones (helper columns). */
  private append(input: Planned, extra: readonly { name: string; expr: PhysicalExpr }[]): Planned {
    const s = input.node.schema;
    const items = [...s.map((f, i) => ({ name: f.name, expr: ref(i, f) })), ...extra];
    return this.projectNode(input, items, [...input.ids, ...extra.map(() => null)], input.node.estimatedRows);
  }

  /**
   * Casts and renames the output to the logical columns' types (and names, at the root) where they
   * differ: operators may type a result more narrowly than SQL does (e.g. sum(NULL)).
   */
  conform(input: Planned, columns: readonly OutputColumn[], names: boolean): Planned {
    const planned = this.dropHelpers(input);
    const s = planned.node.schema;
    const same = columns.every(
      (c, i) =>
        typesEqual(s[i]!.type, c.type) && (!names || s[i]!.name === c.name) && planned.ids[i] === c.id,
    );
    if (same && s.length === columns.length) return planned;
    const layout = layoutOf(planned);
    const items = columns.map((c) => {
      const at = layout.get(c.id);
      if (at === undefined) {
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): output column '${c.name}' is missing`,
        );
      }
      const e = ref(at, s[at]!);
      return {
        name: names ? c.name : s[at]!.name,
        expr: typesEqual(e.type, c.type) ? e : castTo(e, c.type),
      };
    });
    return this.projectNode(
      planned,
      items,
      columns.map((c) => c.id),
      planned.node.estimatedRows,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Aggregate

  private aggregate(p: AggregateNode): Planned {
    const base = this.plan(p.input);
    const exprs: Expr[] = [...p.groups.map((g) => g.expr)];
    for (const a of p.aggregates) {
      exprs.push(...a.args);
      if (a.filter) exprs.push(a.filter);
    }
    const { input, positions } = this.materialize(base, exprs);
    let k = 0;
    const groupBy = p.groups.map(() => positions[k++]!);
    const aggregates: AggregateSpec[] = p.aggregates.map((a) => {
      const args = a.args.map(() => positions[k++]!);
      const filter = a.filter ? positions[k++]! : undefined;
      const { func, distinct } = aggregateFunction(a.fn, a.distinct);
      if (a.orderBy.length > 0 && !ORDER_INSENSITIVE.has(func)) {
        throw new SkeinError('NOT_IMPLEMENTED', `${a.fn}(… ORDER BY …) is not supported yet`);
      }
      const spec: AggregateSpec = {
        func,
        name: a.name,
        ...(func === 'count_star' ? {} : { arg: args[0]! }),
        ...(distinct ? { distinct: true } : {}),
        ...(filter === undefined ? {} : { filter }),
      };
      return spec;
    });
    const config = { mode: 'single' as const, groupBy, aggregates };
    const node = this.make<'hash_aggregate'>(
      {
        kind: 'hash_aggregate',
        input: input.node,
        config,
        schema: hashAggregateSchema(input.node.schema, config),
      },
      this.rows(p),
    );
    const planned = { node, ids: [...p.groups.map((g) => g.id), ...p.aggregates.map((a) => a.id)] };
    return this.conform(planned, this.neededOutputs(p), false);
  }

  // ------------------------------------------------------------------------------------------
  // Joins

  private join(p: JoinNode): Planned {
    const leftCols = outputColumns(p.left);
    const rightCols = outputColumns(p.right);
    const rows = this.rows(p);
    let left = this.plan(p.left);
    const right0 = this.plan(p.right);
    let right = right0;
    const { keys, residual } = splitKeys(p, leftCols, rightCols);
    const type = p.joinType;

    if (type === 'single' && p.condition === null) {
      // An uncorrelated scalar subquery: at most one row, joined to every left row.
      const one = this.make<'enforce_single_row'>(
        { kind: 'enforce_single_row', input: right.node, schema: right.node.schema },
        1,
      );
      return this.nestedLoop({ ...p, joinType: 'left' }, left, { node: one, ids: right.ids }, null, rows);
    }
    let rowNumber: number | null = null;
    if (type === 'single') {
      // Correlated: number the left rows, left-join, and check no number repeats.
      rowNumber = left.ids.length;
      const node = this.make<'row_number'>(
        {
          kind: 'row_number',
          input: left.node,
          schema: [...left.node.schema, { name: 'row_number', type: INT64, nullable: false }],
        },
        left.node.estimatedRows,
      );
      left = { node, ids: [...left.ids, null] };
    }

    let joined: Planned;
    if (keys.length === 0) {
      joined = this.nestedLoop(p, left, right, p.condition, rows);
    } else {
      // Key expressions, with null-safe keys on nullable columns split in two.
      const lNull = new Map(leftCols.map((c) => [c.id, c.nullable]));
      const rNull = new Map(rightCols.map((c) => [c.id, c.nullable]));
      const lExprs: Expr[] = [];
      const rExprs: Expr[] = [];
      for (const k of keys) {
        if (k.nullSafe && (exprNullable(k.left, lNull) || exprNullable(k.right, rNull))) {
          lExprs.push(isNullExpr(k.left), coalesceZero(k.left));
          rExprs.push(isNullExpr(k.right), coalesceZero(k.right));
        } else {
          lExprs.push(k.left);
          rExprs.push(k.right);
        }
      }
      const l = this.materialize(left, lExprs);
      const r = this.materialize(right, rExprs);
      left = l.input;
      right = r.input;
      const execType: ExecJoinType =
        type === 'anti_null_aware' ? 'null_aware_anti' : type === 'single' ? 'left' : (type as ExecJoinType);
      const buildSide: 'left' | 'right' = this.rows(p.right) <= this.rows(p.left) ? 'right' : 'left';
      const config: HashJoinConfig = {
        joinType: execType,
        leftKeys: l.positions,
        rightKeys: r.positions,
        buildSide,
        ...(type === 'mark' ? { markName: p.mark!.name, markNullAware: true } : {}),
      };
      const combined = [...left.ids, ...right.ids];
      const combinedSchema = [...left.node.schema, ...right.node.schema];
      const residualExpr =
        residual === null ? null : toPhysicalExpr(residual, layoutOfIds(combined), combinedSchema);
      // Emit only the columns used above the join (and the row number a single join checks).
      const full = joinIds(type, left.ids, right.ids, p);
      const need = new Set(this.neededOutputs(p).map((c) => c.id));
      const projection = full.flatMap((id, i) =>
        (id !== null && need.has(id)) || i === rowNumber ? [i] : [],
      );
      const projected = projection.length < full.length;
      const finalConfig: HashJoinConfig = {
        ...config,
        ...(projected ? { projection } : {}),
        ...(projected && residualExpr !== null
          ? { residualColumns: [...physicalExprColumns(residualExpr)].sort((a, b) => a - b) }
          : {}),
      };
      const node = this.make<'hash_join'>(
        {
          kind: 'hash_join',
          left: left.node,
          right: right.node,
          config: finalConfig,
          residual: residualExpr,
          schema: hashJoinSchema(left.node.schema, right.node.schema, finalConfig),
        },
        rows,
      );
      joined = { node, ids: projected ? projection.map((i) => full[i]!) : full };
      if (rowNumber !== null) rowNumber = projected ? projection.indexOf(rowNumber) : rowNumber;
    }
    if (rowNumber !== null) {
      const node = this.make<'assert_unique'>(
        {
          kind: 'assert_unique',
          input: joined.node,
          schema: joined.node.schema,
          column: rowNumber,
          message: 'more than one row returned by a subquery used as an expression',
        },
        rows,
      );
      joined = { node, ids: joined.ids };
    }
    return this.conform(joined, this.neededOutputs(p), false);
  }

  private nestedLoop(
    p: JoinNode,
    left: Planned,
    right: Planned,
    condition: Expr | null,
    rows: number,
  ): Planned {
    const type = p.joinType;
    if (type === 'mark' || type === 'anti_null_aware' || type === 'single') {
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `this ${type === 'mark' ? 'EXISTS / IN inside an expression' : type === 'single' ? 'scalar subquery' : 'NOT IN'} needs an equality between the query and the subquery (a nested-loop ${type} join is not supported yet)`,
      );
    }
    const config: NestedLoopJoinConfig = {
      joinType: condition === null && type === 'inner' ? 'cross' : type,
    };
    const combined = [...left.ids, ...right.ids];
    const combinedSchema = [...left.node.schema, ...right.node.schema];
    const cond = condition === null ? null : toPhysicalExpr(condition, layoutOfIds(combined), combinedSchema);
    const node = this.make<'nested_loop_join'>(
      {
        kind: 'nested_loop_join',
        left: left.node,
        right: right.node,
        config,
        condition: cond,
        schema: nestedLoopJoinSchema(left.node.schema, right.node.schema, config),
      },
      rows,
    );
    return { node, ids: joinIds(type, left.ids, right.ids, p) };
  }

  // ------------------------------------------------------------------------------------------
  // Sort, top-k

  private sort(
    p: Extract<LogicalPlan, { kind: 'sort' }>,
    limit: number | null,
    offset: number,
    rows: number,
  ): Planned {
    const base = this.plan(p.input);
    const { input, positions } = this.materialize(
      base,
      p.keys.map((k) => k.expr),
    );
    const keys = sortKeys(p.keys, positions);
    const effective = limit;
    let node: PhysicalPlan;
    if (effective === null) {
      node = this.make<'sort'>(
        { kind: 'sort', input: input.node, schema: input.node.schema, config: { keys } },
        rows,
      );
    } else {
      node = this.make<'top_k'>(
        {
          kind: 'top_k',
          input: input.node,
          schema: input.node.schema,
          config: { keys, limit: Math.max(0, effective), ...(offset > 0 ? { offset } : {}) },
        },
        rows,
      );
    }
    return this.dropHelpers({ node, ids: input.ids });
  }

  // ------------------------------------------------------------------------------------------
  // Set operations

  private setOperation(p: SetOperationNode): Planned {
    const cols = p.columns;
    const side = (x: LogicalPlan): Planned => {
      const planned = this.plan(x);
      const out = outputColumns(x);
      // Rename the input's columns to the set operation's ids (same positions and types).
      const conformed = this.conform(planned, out, false);
      const s = conformed.node.schema;
      const needsCast = cols.some((c, i) => !typesEqual(s[i]!.type, c.type));
      if (!needsCast) return { node: conformed.node, ids: cols.map((c) => c.id) };
      return this.projectNode(
        conformed,
        cols.map((c, i) => ({ name: c.name, expr: castTo(ref(i, s[i]!), c.type) })),
        cols.map((c) => c.id),
        conformed.node.estimatedRows,
      );
    };
    const left = side(p.left);
    const right = side(p.right);
    const rows = this.rows(p);
    if (p.op === 'union') {
      const schema: Field[] = cols.map((c, i) => ({
        name: c.name,
        type: c.type,
        nullable: left.node.schema[i]!.nullable || right.node.schema[i]!.nullable,
      }));
      const node = this.make<'union'>({ kind: 'union', inputs: [left.node, right.node], schema }, rows);
      return { node, ids: cols.map((c) => c.id) };
    }
    // INTERSECT ALL / EXCEPT ALL: the n-th copy of a row on the left matches the n-th on the right.
    const numbered = (x: Planned): Planned => {
      const config = {
        partitionBy: x.ids.map((_, i) => i),
        orderBy: [],
        functions: [{ func: 'row_number' as const, name: 'copy' }],
      };
      const node = this.make<'window'>(
        { kind: 'window', input: x.node, config, schema: windowSchema(x.node.schema, config) },
        x.node.estimatedRows,
      );
      return { node, ids: [...x.ids, null] };
    };
    const l = numbered(left);
    const r = numbered(right);
    const lKeys: number[] = [];
    const rKeys: number[] = [];
    const extraL: { name: string; expr: PhysicalExpr }[] = [];
    const extraR: { name: string; expr: PhysicalExpr }[] = [];
    const width = cols.length + 1;
    cols.forEach((c, i) => {
      const lf = l.node.schema[i]!;
      const rf = r.node.schema[i]!;
      if (lf.nullable || rf.nullable) {
        // NULL equals NULL here: key on (x IS NULL, coalesce(x, 0)).
        lKeys.push(width + extraL.length, width + extraL.length + 1);
        rKeys.push(width + extraR.length, width + extraR.length + 1);
        for (const [f, extra] of [
          [lf, extraL],
          [rf, extraR],
        ] as const) {
          const e = ref(i, f);
          extra.push({
            name: `${c.name} IS NULL`,
            expr: { kind: 'is_null', input: e, negated: false, type: BOOLEAN },
          });
          extra.push({ name: `coalesce(${c.name})`, expr: coalescePhysical(e) });
        }
      } else {
        lKeys.push(i);
        rKeys.push(i);
      }
    });
    lKeys.push(cols.length);
    rKeys.push(cols.length);
    const lIn = extraL.length > 0 ? this.append(l, extraL) : l;
    const rIn = extraR.length > 0 ? this.append(r, extraR) : r;
    const config: HashJoinConfig = {
      joinType: p.op === 'intersect' ? 'semi' : 'anti',
      leftKeys: lKeys,
      rightKeys: rKeys,
      buildSide: 'right',
    };
    const node = this.make<'hash_join'>(
      {
        kind: 'hash_join',
        left: lIn.node,
        right: rIn.node,
        config,
        residual: null,
        schema: hashJoinSchema(lIn.node.schema, rIn.node.schema, config),
      },
      rows,
    );
    return this.conform({ node, ids: lIn.ids }, cols, false);
  }

  // ------------------------------------------------------------------------------------------
  // Windows

  private window(p: WindowNode): Planned {
    let current = this.plan(p.input);
    // Calls over the same window share a node.
    const groups = new Map<string, WindowCall[]>();
    for (const c of p.calls) {
      const key = JSON.stringify([
        c.partitionBy.map(exprKey),
        c.orderBy.map((k) => [exprKey(k.expr), k.descending, k.nullsFirst]),
      ]);
      const g = groups.get(key) ?? [];
      g.push(c);
      groups.set(key, g);
    }
    for (const calls of groups.values()) {
      const first = calls[0]!;
      const exprs: Expr[] = [...first.partitionBy, ...first.orderBy.map((k) => k.expr)];
      for (const c of calls) {
        exprs.push(...windowArgs(c));
      }
      const { input, positions } = this.materialize(current, exprs);
      let k = 0;
      const partitionBy = first.partitionBy.map(() => positions[k++]!);
      const orderPositions = first.orderBy.map(() => positions[k++]!);
      const orderBy = sortKeys(first.orderBy, orderPositions);
      const functions = calls.map((c) => {
        const argPositions = windowArgs(c).map(() => positions[k++]!);
        return windowFunctionSpec(c, argPositions, first.orderBy);
      });
      const config = { partitionBy, orderBy, functions };
      const node = this.make<'window'>(
        { kind: 'window', input: input.node, config, schema: windowSchema(input.node.schema, config) },
        this.rows(p),
      );
      current = { node, ids: [...input.ids, ...calls.map((c) => c.id)] };
    }
    return this.conform(current, this.neededOutputs(p), false);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * For every node, the output columns its ancestors use: everything at the root; below, what the
 * parent passes on plus what its own expressions read. (The logical optimizer has pruned most
 * columns already; this finds the rest — join keys and filter columns nobody reads afterwards.)
 */
export function neededColumns(root: LogicalPlan): Map<LogicalPlan, Set<ColumnId>> {
  const out = new Map<LogicalPlan, Set<ColumnId>>();
  const all = (p: LogicalPlan): Set<ColumnId> => new Set(outputColumns(p).map((c) => c.id));
  const add = (p: LogicalPlan, ids: Iterable<ColumnId>): void => {
    const own = new Set(outputColumns(p).map((c) => c.id));
    const set = out.get(p) ?? new Set<ColumnId>();
    for (const id of ids) if (own.has(id)) set.add(id);
    out.set(p, set);
  };
  const walk = (p: LogicalPlan, need: ReadonlySet<ColumnId>): void => {
    add(p, need);
    const mine = out.get(p)!;
    const refs = new Set<ColumnId>(mine);
    for (const e of nodeExprs(p)) exprColumns(e, refs);
    switch (p.kind) {
      case 'scan':
      case 'values':
        return;
      case 'project':
      case 'aggregate': {
        const used = new Set<ColumnId>();
        for (const e of nodeExprs(p)) exprColumns(e, used);
        walk(p.input, used);
        return;
      }
      case 'distinct':
        walk(p.input, all(p.input));
        return;
      case 'set_operation':
        walk(p.left, all(p.left));
        walk(p.right, all(p.right));
        return;
      case 'join':
        walk(p.left, refs);
        walk(p.right, refs);
        return;
      default:
        walk(p.input, refs);
    }
  };
  walk(root, all(root));
  return out;
}

function fieldOf(c: OutputColumn): Field {
  return { name: c.name, type: c.type, nullable: c.nullable };
}

function firstColumn(entry: ExternalTable | MemoryTable): { index: number; type: DataType } {
  if (entry.schema.length === 0) {
    throw new SkeinError('NOT_IMPLEMENTED', `table '${entry.name}' has no columns`);
  }
  return { index: 0, type: entry.schema[0]!.type };
}

function layoutOf(p: Planned): Map<ColumnId, number> {
  return layoutOfIds(p.ids);
}

function layoutOfIds(ids: readonly (ColumnId | null)[]): Map<ColumnId, number> {
  const m = new Map<ColumnId, number>();
  ids.forEach((id, i) => {
    if (id !== null && !m.has(id)) m.set(id, i);
  });
  return m;
}

function andAll(parts: readonly PhysicalExpr[]): PhysicalExpr {
  if (parts.length === 1) return parts[0]!;
  return Object.freeze({
    kind: 'and',
    args: Object.freeze(parts.flatMap((a) => (a.kind === 'and' ? a.args : [a]))),
    type: BOOLEAN,
  });
}

function castTo(e: PhysicalExpr, type: DataType): PhysicalExpr {
  return Object.freeze({ kind: 'cast', input: e, type, try: false });
}

/** Output ids of a join: left then right, left only, or left plus the mark. */
function joinIds(
  type: JoinNode['joinType'],
  left: readonly (ColumnId | null)[],
  right: readonly (ColumnId | null)[],
  p: JoinNode,
): (ColumnId | null)[] {
  switch (type) {
    case 'semi':
    case 'anti':
    case 'anti_null_aware':
      return [...left];
    case 'mark':
      return [...left, p.mark!.id];
    default:
      return [...left, ...right];
  }
}

interface Key {
  readonly left: Expr;
  readonly right: Expr;
  readonly nullSafe: boolean;
}

/**
 * The equi-keys of a join condition and the rest. A key side may be constant (`1 IN (SELECT y …)`)
 * for the joins a filter cannot replace (semi, anti, mark, single); for the others each side must
 * reference its input.
 */
function splitKeys(
  p: JoinNode,
  leftCols: readonly OutputColumn[],
  rightCols: readonly OutputColumn[],
): { keys: Key[]; residual: Expr | null } {
  if (p.condition === null) return { keys: [], residual: null };
  const l = new Set(leftCols.map((c) => c.id));
  const r = new Set(rightCols.map((c) => c.id));
  const constantOk = !['inner', 'left', 'right', 'full'].includes(p.joinType);
  const over = (e: Expr, ids: ReadonlySet<ColumnId>): 'none' | 'yes' | 'no' => {
    if (hasSubqueryExpr(e)) return 'no';
    const cs = exprColumns(e);
    if (cs.size === 0) return 'none';
    for (const id of cs) if (!ids.has(id)) return 'no';
    return 'yes';
  };
  const fits = (a: Expr, b: Expr): boolean => {
    const oa = over(a, l);
    const ob = over(b, r);
    if (oa === 'no' || ob === 'no') return false;
    if (oa === 'yes' && ob === 'yes') return true;
    return constantOk && (oa === 'yes' || ob === 'yes');
  };
  const keys: Key[] = [];
  const rest: Expr[] = [];
  for (const c of splitConjunction(p.condition)) {
    if (c.kind === 'call' && (c.fn === '=' || c.fn === 'is_not_distinct_from') && c.args.length === 2) {
      const [a, b] = c.args as [Expr, Expr];
      const nullSafe = c.fn === 'is_not_distinct_from';
      if (fits(a, b)) {
        keys.push({ left: a, right: b, nullSafe });
        continue;
      }
      if (fits(b, a)) {
        keys.push({ left: b, right: a, nullSafe });
        continue;
      }
    }
    rest.push(c);
  }
  if (p.joinType === 'anti_null_aware' && keys.length > 0) {
    // The NOT IN comparison is the first conjunct; keep it the first key.
    const first = splitConjunction(p.condition)[0]!;
    const i = keys.findIndex(
      (k) => first.kind === 'call' && first.args.includes(k.left) && first.args.includes(k.right),
    );
    if (i > 0) keys.unshift(...keys.splice(i, 1));
  }
  let residual: Expr | null = null;
  if (rest.length === 1) residual = rest[0]!;
  else if (rest.length > 1) residual = { kind: 'call', fn: 'and', args: rest, type: BOOLEAN };
  return { keys, residual };
}

function hasSubqueryExpr(e: Expr): boolean {
  if (e.kind === 'subquery' || e.kind === 'exists' || e.kind === 'in_subquery') return true;
  switch (e.kind) {
    case 'call':
      return e.args.some(hasSubqueryExpr);
    case 'cast':
      return hasSubqueryExpr(e.expr);
    case 'case':
      return (
        e.whens.some((w) => hasSubqueryExpr(w.condition) || hasSubqueryExpr(w.result)) ||
        (e.else !== null && hasSubqueryExpr(e.else))
      );
    case 'in_list':
      return hasSubqueryExpr(e.expr) || e.list.some(hasSubqueryExpr);
    default:
      return false;
  }
}

function isNullExpr(e: Expr): Expr {
  return { kind: 'call', fn: 'is_null', args: [e], type: BOOLEAN };
}

/** A constant of `type` (any value works: it only stands in for NULL beside an IS NULL key). */
function zeroOf(type: DataType): LiteralValue {
  switch (type.kind) {
    case 'boolean':
      return false;
    case 'varchar':
      return '';
    case 'interval':
      return { months: 0, days: 0, micros: 0 };
    case 'null':
      return null;
    default:
      return 0;
  }
}

function zeroScalar(type: DataType): ScalarValue {
  switch (type.kind) {
    case 'boolean':
      return false;
    case 'varchar':
      return '';
    case 'interval':
      return { months: 0, days: 0, micros: 0 };
    case 'null':
      return null;
    case 'int64':
    case 'decimal':
    case 'timestamp':
      return '0';
    default:
      return 0;
  }
}

function coalesceZero(e: Expr): Expr {
  return {
    kind: 'call',
    fn: 'coalesce',
    args: [e, { kind: 'literal', value: zeroOf(e.type), type: e.type }],
    type: e.type,
  };
}

function coalescePhysical(e: PhysicalExpr): PhysicalExpr {
  return {
    kind: 'call',
    name: 'coalesce',
    args: [e, { kind: 'literal', value: zeroScalar(e.type), type: e.type }],
    type: e.type,
  };
}

function sortKeys(keys: readonly SortKey[], positions: readonly number[]): ExecSortKey[] {
  return keys.map((k, i) => ({ column: positions[i]!, descending: k.descending, nullsFirst: k.nullsFirst }));
}

const ORDER_INSENSITIVE = new Set<AggregateFunction>([
  'count',
  'count_star',
  'sum',
  'avg',
  'min',
  'max',
  'bool_and',
  'bool_or',
  'var_pop',
  'var_samp',
  'stddev_pop',
  'stddev_samp',
]);

/** The operator's aggregate for a logical aggregate call. */
function aggregateFunction(fn: string, distinct: boolean): { func: AggregateFunction; distinct: boolean } {
  switch (fn) {
    case 'count_star':
    case 'count':
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
    case 'var_samp':
    case 'var_pop':
    case 'stddev_samp':
    case 'stddev_pop':
    case 'bool_and':
    case 'bool_or':
    case 'any_value':
      return { func: fn, distinct };
    case 'approx_count_distinct':
      // An exact count is a fine approximation.
      return { func: 'count', distinct: true };
    default:
      throw new SkeinError('NOT_IMPLEMENTED', `aggregate function ${fn} is not supported yet`);
  }
}

const WINDOW_FUNCTIONS = new Set<string>([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'count_star',
  'count',
  'sum',
  'avg',
  'min',
  'max',
]);

/** The arguments of a window call that must be input columns (constants stay in the spec). */
function windowArgs(c: WindowCall): Expr[] {
  switch (c.fn) {
    case 'ntile':
      return [];
    case 'lag':
    case 'lead':
      return c.args.length > 2 ? [c.args[0]!, c.args[2]!] : c.args.slice(0, 1);
    default:
      return [...c.args];
  }
}

function windowFunctionSpec(
  c: WindowCall,
  argPositions: readonly number[],
  orderBy: readonly SortKey[],
): WindowFunctionSpec {
  if (!WINDOW_FUNCTIONS.has(c.fn)) {
    throw new SkeinError('NOT_IMPLEMENTED', `window function ${c.fn} is not supported yet`);
  }
  if (c.distinct)
    throw new SkeinError('NOT_IMPLEMENTED', `${c.fn}(DISTINCT …) OVER (…) is not supported yet`);
  if (c.filter)
    throw new SkeinError('NOT_IMPLEMENTED', `${c.fn}(…) FILTER (…) OVER (…) is not supported yet`);
  const func = c.fn as WindowFunction;
  const spec: { -readonly [K in keyof WindowFunctionSpec]: WindowFunctionSpec[K] } = { func, name: c.name };
  switch (c.fn) {
    case 'ntile':
      spec.offset = constantInt(c.args[0], 'the argument of ntile');
      break;
    case 'lag':
    case 'lead':
      spec.arg = argPositions[0]!;
      if (c.args.length > 1) spec.offset = constantInt(c.args[1], `the offset of ${c.fn}`);
      if (c.args.length > 2) spec.defaultArg = argPositions[1]!;
      break;
    default:
      if (argPositions.length > 0) spec.arg = argPositions[0]!;
  }
  if (c.frame) spec.frame = execFrame(c.frame, orderBy);
  return spec;
}

function constantInt(e: Expr | undefined, what: string): number {
  if (e?.kind === 'literal' && (typeof e.value === 'number' || typeof e.value === 'string')) {
    const n = Number(e.value);
    if (Number.isInteger(n)) return n;
  }
  throw new SkeinError('NOT_IMPLEMENTED', `${what} must be a constant integer`);
}

function execFrame(f: WindowFrame, orderBy: readonly SortKey[]): ExecWindowFrame {
  if (f.units === 'groups') throw new SkeinError('NOT_IMPLEMENTED', 'GROUPS frames are not supported yet');
  const keyType = orderBy[0]?.expr.type;
  const bound = (b: FrameBound): ExecFrameBound => {
    if (b.kind !== 'preceding' && b.kind !== 'following') return { kind: b.kind };
    const e = b.offset;
    if (e.kind !== 'literal' || e.value === null) {
      throw new SkeinError('NOT_IMPLEMENTED', 'a window frame offset must be a constant');
    }
    let offset: number;
    if (f.units === 'rows') offset = constantInt(e, 'a ROWS frame offset');
    else offset = rangeOffset(e.value, e.type, keyType);
    if (offset < 0) throw new SkeinError('INVALID_ARGUMENT', 'a window frame offset must not be negative');
    return { kind: b.kind, offset };
  };
  return { mode: f.units, start: bound(f.start), end: bound(f.end) };
}

/** A RANGE offset in the ORDER BY key's storage units (days, scaled decimals, µs). */
function rangeOffset(v: LiteralValue, type: DataType, keyType: DataType | undefined): number {
  if (keyType === undefined) throw new SkeinError('PLAN', 'a RANGE frame with an offset needs an ORDER BY');
  if (typeof v === 'object' && v !== null) {
    if (keyType.kind === 'date' && v.months === 0 && v.micros === 0) return v.days;
    if (keyType.kind === 'timestamp' && v.months === 0) return v.days * 86_400_000_000 + v.micros;
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      `this interval cannot be a RANGE offset over ${typeToString(keyType)}`,
    );
  }
  const n = Number(v);
  if (!Number.isFinite(n)) throw new SkeinError('PLAN', 'a RANGE frame offset must be a number');
  const fromScale = type.kind === 'decimal' ? type.scale : 0;
  const value = n / 10 ** fromScale;
  if (keyType.kind === 'decimal') return Math.round(value * 10 ** keyType.scale);
  return value;
}

export type { NodeBase };
