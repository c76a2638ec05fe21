/**
 * Name resolution: the columns visible at a point of a query — those of its FROM clause, then
 * those of the enclosing queries (correlated references).
 */
import { didYouMean } from '../../catalog/nearest.ts';
import type { ColumnRef } from '../../sql/ast.ts';
import type { DataType } from '../../types/data-type.ts';
import type { ColumnId } from '../expr.ts';
import { bindError } from './errors.ts';

export interface ScopeColumn {
  /** The table alias (or name) it is qualified by; null for columns of no table. */
  readonly table: string | null;
  readonly name: string;
  readonly id: ColumnId;
  readonly type: DataType;
  readonly nullable: boolean;
  /**
   * Hidden from unqualified references and `*`: the right-hand copy of a `USING` column (still
   * reachable as `t.col`).
   */
  readonly hidden: boolean;
}

export interface Resolved {
  readonly column: ScopeColumn;
  /** 0: this query's FROM; 1 and more: an enclosing query's (a correlated reference). */
  readonly depth: number;
}

export class Scope {
  constructor(
    readonly columns: readonly ScopeColumn[],
    readonly parent: Scope | null = null,
  ) {}

  /** The same columns seen from inside a subquery. */
  child(columns: readonly ScopeColumn[]): Scope {
    return new Scope(columns, this);
  }

  withParent(parent: Scope | null): Scope {
    return new Scope(this.columns, parent);
  }

  tables(): string[] {
    const out: string[] = [];
    for (const c of this.columns) if (c.table !== null && !out.includes(c.table)) out.push(c.table);
    return out;
  }

  /** Resolves a column reference, looking outwards; throws unknown / ambiguous column errors. */
  resolve(ref: ColumnRef): Resolved {
    const name = ref.name.value;
    const qualifier = ref.qualifier.length > 0 ? ref.qualifier[ref.qualifier.length - 1]!.value : null;
    let anyTable = false;
    for (let scope: Scope | null = this, depth = 0; scope; scope = scope.parent, depth++) {
      const found = scope.lookup(qualifier, name, ref);
      if (found === 'table') anyTable = true;
      else if (found) return { column: found, depth };
    }
    const shown = qualifier ? `${qualifier}.${name}` : name;
    if (qualifier && !anyTable) {
      throw bindError(
        'PLAN',
        `table '${qualifier}' referenced by '${shown}' is not in the FROM clause`,
        ref.pos,
        didYouMean(qualifier, this.allTables()),
      );
    }
    const candidates = qualifier
      ? this.allColumns()
          .filter((c) => sameName(c.table, qualifier))
          .map((c) => c.name)
      : this.allColumns()
          .filter((c) => !c.hidden)
          .map((c) => c.name);
    throw bindError('PLAN', `column '${shown}' does not exist`, ref.pos, didYouMean(name, candidates));
  }

  /** A column of this scope only; 'table' when the qualifier names a table here that lacks the column. */
  private lookup(qualifier: string | null, name: string, ref: ColumnRef): ScopeColumn | 'table' | undefined {
    let matches: ScopeColumn[];
    if (qualifier === null) {
      matches = this.columns.filter((c) => !c.hidden && sameName(c.name, name));
    } else {
      const inTable = this.columns.filter((c) => sameName(c.table, qualifier));
      if (inTable.length === 0) return undefined;
      matches = inTable.filter((c) => sameName(c.name, name));
      if (matches.length === 0) return 'table';
    }
    if (matches.length === 0) return undefined;
    const ids = new Set(matches.map((m) => m.id));
    if (ids.size > 1) {
      const tables = [...new Set(matches.map((m) => m.table ?? '(no table)'))];
      const shown = qualifier ? `${qualifier}.${name}` : name;
      throw bindError(
        'PLAN',
        `column reference '${shown}' is ambiguous: it is a column of ${tables.map((t) => `'${t}'`).join(' and ')}`,
        ref.pos,
        qualifier ? '' : `; qualify it, e.g. ${tables[0]}.${name}`,
      );
    }
    return matches[0]!;
  }

  /** Columns for `*` (qualifier null) or `t.*`. */
  star(qualifier: string | null): ScopeColumn[] {
    if (qualifier === null) return this.columns.filter((c) => !c.hidden);
    return this.columns.filter((c) => sameName(c.table, qualifier));
  }

  private allColumns(): ScopeColumn[] {
    const out: ScopeColumn[] = [];
    for (let s: Scope | null = this; s; s = s.parent) out.push(...s.columns);
    return out;
  }

  private allTables(): string[] {
    const out: string[] = [];
    for (let s: Scope | null = this; s; s = s.parent) out.push(...s.tables());
    return out;
  }
}

/** SQL names compare case-insensitively (as in DuckDB). */
export function sameName(a: string | null, b: string): boolean {
  return a !== null && (a === b || a.toLowerCase() === b.toLowerCase());
}
