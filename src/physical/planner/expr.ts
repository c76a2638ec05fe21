/**
 * Logical expressions (bound to column ids) → physical expressions (bound to input positions).
 *
 * Besides rebinding columns, it maps the logical function calls onto the physical node kinds
 * (`and`, `or`, `not`, `is_null`, `like`, `in`), and re-encodes literals into the physical
 * ScalarValue form (BIGINT, DECIMAL and TIMESTAMP as digit strings).
 *
 * @example
 * const layout = new Map([[7, 0], [9, 1]]); // column id → input position
 * toPhysicalExpr(call('<', [col(9, 'l_quantity', decimal(15, 2)), lit(2400, decimal(15, 2))], BOOLEAN), layout, schema);
 * // { kind: 'call', name: '<', args: [{ kind: 'column', index: 1, … }, { kind: 'literal', value: '2400', … }] }
 */
import { SkeinError } from '../../errors.ts';
import type { ColumnId, Expr, LiteralValue } from '../../logical/expr.ts';
import { BOOLEAN, type DataType, type Schema, typeToString } from '../../types/data-type.ts';
import type { PhysicalExpr, ScalarValue } from '../expr.ts';

const freeze = Object.freeze;

/** Translates `e`; `layout` maps each column id `e` may reference to its input position. */
export function toPhysicalExpr(e: Expr, layout: ReadonlyMap<ColumnId, number>, schema: Schema): PhysicalExpr {
  const t = (x: Expr): PhysicalExpr => toPhysicalExpr(x, layout, schema);
  switch (e.kind) {
    case 'column': {
      const index = layout.get(e.id);
      if (index === undefined) {
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): column '${e.name}' (#${e.id}) is not an input of the operator that uses it`,
        );
      }
      const name = schema[index]?.name ?? e.name;
      return freeze({ kind: 'column', index, type: e.type, name });
    }
    case 'literal':
      return freeze({ kind: 'literal', type: e.type, value: toScalar(e.value, e.type) });
    case 'call':
      return callExpr(e.fn, e.args.map(t), e.type);
    case 'cast':
      return freeze({ kind: 'cast', input: t(e.expr), type: e.type, try: e.try });
    case 'case': {
      const whens = freeze(e.whens.map((w) => freeze({ condition: t(w.condition), result: t(w.result) })));
      return e.else === null
        ? freeze({ kind: 'case', whens, type: e.type })
        : freeze({ kind: 'case', whens, else: t(e.else), type: e.type });
    }
    case 'in_list':
      return freeze({
        kind: 'in',
        input: t(e.expr),
        list: freeze(e.list.map(t)),
        negated: false,
        type: BOOLEAN,
      });
    case 'subquery':
    case 'exists':
    case 'in_subquery':
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        'this subquery cannot be turned into a join yet; supported: [NOT] EXISTS, [NOT] IN, and scalar subqueries that are uncorrelated or aggregate with equality correlations',
      );
  }
}

function callExpr(fn: string, args: readonly PhysicalExpr[], type: DataType): PhysicalExpr {
  switch (fn) {
    case 'and':
      return freeze({
        kind: 'and',
        args: freeze(args.flatMap((a) => (a.kind === 'and' ? a.args : [a]))),
        type,
      });
    case 'or':
      return freeze({
        kind: 'or',
        args: freeze(args.flatMap((a) => (a.kind === 'or' ? a.args : [a]))),
        type,
      });
    case 'not': {
      const a = args[0]!;
      if (a.kind === 'in' && !a.negated) return freeze({ ...a, negated: true });
      if (a.kind === 'is_null') return freeze({ ...a, negated: !a.negated });
      if (a.kind === 'like') return freeze({ ...a, negated: !a.negated });
      return freeze({ kind: 'not', input: a, type });
    }
    case 'is_null':
    case 'is_not_null':
      return freeze({ kind: 'is_null', input: args[0]!, negated: fn === 'is_not_null', type });
    case 'like':
    case 'not_like':
    case 'ilike':
    case 'not_ilike': {
      let escapeChar: string | null = null;
      if (args.length === 3) {
        const esc = args[2]!;
        if (esc.kind !== 'literal' || (esc.value !== null && typeof esc.value !== 'string')) {
          throw new SkeinError('NOT_IMPLEMENTED', 'the ESCAPE of LIKE must be a constant');
        }
        escapeChar = esc.value === null || esc.value === '' ? null : esc.value;
        if (escapeChar !== null && [...escapeChar].length !== 1) {
          throw new SkeinError(
            'INVALID_ARGUMENT',
            `the ESCAPE of LIKE must be a single character, got '${escapeChar}'`,
          );
        }
      }
      return freeze({
        kind: 'like',
        input: args[0]!,
        pattern: args[1]!,
        escape: escapeChar,
        caseInsensitive: fn.endsWith('ilike'),
        negated: fn.startsWith('not_'),
        type,
      });
    }
    default:
      return freeze({ kind: 'call', name: fn, args: freeze([...args]), type });
  }
}

/** A logical literal value in the physical (JSON-safe, digit-string) encoding of `type`. */
export function toScalar(v: LiteralValue, type: DataType): ScalarValue {
  if (v === null) return null;
  switch (type.kind) {
    case 'null':
      return null;
    case 'int64':
    case 'decimal':
    case 'timestamp':
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw badLiteral(v, type);
        return BigInt(v).toString();
      }
      if (typeof v === 'string') return v;
      throw badLiteral(v, type);
    case 'float64':
      if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
      if (typeof v === 'string') return v;
      throw badLiteral(v, type);
    default:
      return v;
  }
}

function badLiteral(v: LiteralValue, type: DataType): SkeinError {
  return new SkeinError(
    'INTERNAL',
    `internal error (this is a bug in Skein): literal ${JSON.stringify(v)} is not a ${typeToString(type)}`,
  );
}
