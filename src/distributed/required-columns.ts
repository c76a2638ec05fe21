/**
 * Which columns of its input each exchange's consumer actually reads — so that a producer writes
 * only those to the spool. Physical operators pass all their input columns through (a join
 * carries both sides' keys, a scan with a pushed filter carries the filtered column), and column
 * pruning in the logical plan stops at what the *next operator* needs; across an exchange every
 * unread column costs partitioning, encoding, writing and reading. A column nobody reads is
 * written as an all-NULL Arrow `Null` column (no buffers), so positions — and every index in the
 * consumer's fragment — stay as they are.
 *
 * The analysis walks a fragment from its root with the set of root columns needed and derives,
 * per operator, the input columns it needs: its own expressions' and keys' columns plus whatever
 * of its output that is needed passes through.
 *
 * @example
 * exchangeRequirements(fragment, new Set([0, 2])); // Map { exchangeNodeId → Set {0, 3} }
 */
import { physicalExprColumns } from '../physical/expr.ts';
import { type PhysicalPlan, planInputs } from '../physical/plan.ts';

/** Columns each exchange source of `fragment` must provide, when `required` of its root are needed. */
export function exchangeRequirements(
  fragment: PhysicalPlan,
  required: ReadonlySet<number>,
): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  walk(fragment, required, out);
  return out;
}

function walk(p: PhysicalPlan, need: ReadonlySet<number>, out: Map<number, Set<number>>): void {
  switch (p.kind) {
    case 'exchange_source': {
      const s = out.get(p.id) ?? new Set<number>();
      for (const c of need) s.add(c);
      out.set(p.id, s);
      return;
    }
    case 'parquet_scan':
    case 'csv_scan':
    case 'memory_scan':
    case 'values':
      return;
    case 'filter':
      walk(p.input, union(need, physicalExprColumns(p.predicate)), out);
      return;
    case 'assert_unique':
      walk(p.input, union(need, [p.column]), out);
      return;
    case 'limit':
    case 'enforce_single_row':
    case 'cache':
      walk(p.input, need, out);
      return;
    case 'row_number': {
      const width = p.input.schema.length;
      walk(p.input, new Set([...need].filter((c) => c < width)), out);
      return;
    }
    case 'sort':
    case 'top_k':
      walk(
        p.input,
        union(
          need,
          p.config.keys.map((k) => k.column),
        ),
        out,
      );
      return;
    case 'project': {
      const s = new Set<number>();
      p.items.forEach((it, i) => {
        if (need.has(i)) for (const c of physicalExprColumns(it.expr)) s.add(c);
      });
      walk(p.input, s, out);
      return;
    }
    case 'hash_aggregate': {
      const c = p.config;
      if (c.mode === 'final') {
        // Keys and every state column.
        walk(p.input, all(p.input), out);
        return;
      }
      const s = new Set<number>(c.groupBy);
      for (const a of c.aggregates) {
        if (a.arg !== undefined) s.add(a.arg);
        if (a.filter !== undefined) s.add(a.filter);
      }
      walk(p.input, s, out);
      return;
    }
    case 'window': {
      const width = p.input.schema.length;
      const s = new Set<number>([...need].filter((x) => x < width));
      for (const k of p.config.partitionBy) s.add(k);
      for (const k of p.config.orderBy) s.add(k.column);
      for (const f of p.config.functions) {
        if (f.arg !== undefined) s.add(f.arg);
        if (f.defaultArg !== undefined) s.add(f.defaultArg);
      }
      walk(p.input, s, out);
      return;
    }
    case 'union':
      for (const input of p.inputs) walk(input, need, out);
      return;
    case 'hash_join':
    case 'nested_loop_join': {
      const leftWidth = p.left.schema.length;
      const type = p.kind === 'hash_join' ? p.config.joinType : p.config.joinType;
      const leftOnly = type === 'semi' || type === 'anti' || type === 'null_aware_anti' || type === 'mark';
      const left = new Set<number>();
      const right = new Set<number>();
      // A hash join may emit only some of its (left, right) columns: map back through that.
      const projection = p.kind === 'hash_join' ? p.config.projection : undefined;
      for (const o of need) {
        const c = projection === undefined ? o : projection[o];
        if (c === undefined) continue;
        if (c < leftWidth) left.add(c);
        else if (!leftOnly) right.add(c - leftWidth);
      }
      const condition = p.kind === 'hash_join' ? p.residual : p.condition;
      if (condition !== null) {
        for (const c of physicalExprColumns(condition)) {
          if (c < leftWidth) left.add(c);
          else right.add(c - leftWidth);
        }
      }
      if (p.kind === 'hash_join') {
        for (const k of p.config.leftKeys) left.add(k);
        for (const k of p.config.rightKeys) right.add(k);
      }
      walk(p.left, left, out);
      walk(p.right, right, out);
      return;
    }
    default: {
      // Unknown node: keep every column it could read.
      const unknown: never = p;
      for (const c of planInputs(unknown as PhysicalPlan)) walk(c, all(c), out);
    }
  }
}

function all(p: PhysicalPlan): Set<number> {
  return new Set(p.schema.map((_, i) => i));
}

function union(a: ReadonlySet<number>, b: Iterable<number>): Set<number> {
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}
