/**
 * Fused arithmetic: a tree of + - * / and numeric casts over columns and constants becomes ONE
 * generated loop (`l_extendedprice * (1 - l_discount) * (1 + l_tax)` reads three arrays and writes
 * one, instead of four loops with three intermediate vectors). Each intermediate is range-checked
 * in the same loop (±2^53 for BIGINT/DECIMAL in doubles, 32 bits for INTEGER); when a check trips,
 * or an input uses BigInt storage, the batch is evaluated node by node instead, which takes the
 * exact BigInt path or raises the overflow error with the offending values.
 */
import { SkeinError } from '../../errors.ts';
import type { DataType } from '../../types/data-type.ts';
import { andValidities } from '../kernels/bitmap.ts';
import { generated, safeConst } from '../kernels/codegen.ts';
import { type Batch, f64Vector, i32Vector, nullVector, type Validity, type Vector } from '../vector.ts';
import type { Node } from './node.ts';
import { scalarOf } from './scalar.ts';

export type FuseClass = 'i32' | 'exact' | 'double';

/** What a fusible node is, for the node that fuses it. */
export type FuseDesc =
  | {
      readonly kind: 'op';
      readonly op: '+' | '-' | '*' | '/';
      readonly cls: FuseClass;
      /** Rescale factors applied to the operands first (DECIMAL alignment). */
      readonly fa: number;
      readonly fb: number;
      readonly a: Node;
      readonly b: Node;
    }
  | {
      /** A numeric conversion: value · mul / div, then the target class's check. */
      readonly kind: 'convert';
      readonly cls: FuseClass;
      readonly mul: number;
      readonly div: number;
      readonly input: Node;
    };

interface Compiled {
  readonly loop: (
    n: number,
    inputs: readonly (Int32Array | Float64Array)[],
    out: Int32Array | Float64Array,
  ) => number;
  /** Nodes whose vectors feed the loop, in parameter order. */
  readonly leaves: readonly Node[];
  readonly cls: FuseClass;
}

const M = '9007199254740991';

/**
 * Builds the fused evaluator of `root` (a node with a FuseDesc), or undefined when the tree is a
 * single operation (the plain kernel is as good) or has nothing to fuse.
 */
export function fusedEvaluator(
  root: Node & { readonly fuse?: FuseDesc },
  type: DataType,
  fallback: (batch: Batch) => Vector,
): ((batch: Batch) => Vector) | undefined {
  const desc = root.fuse;
  if (desc === undefined) return undefined;
  const children = desc.kind === 'op' ? [desc.a, desc.b] : [desc.input];
  if (!children.some((c) => (c as { fuse?: FuseDesc }).fuse !== undefined)) return undefined;

  let compiled: Compiled | undefined;
  const compile = (): Compiled => {
    const leaves: Node[] = [];
    const lines: string[] = [];
    const checks: string[] = [];
    let tmp = 0;
    /** Emits code for `node`; returns the expression naming its value. */
    const emit = (node: Node & { fuse?: FuseDesc }): string => {
      if (node.constant !== undefined) {
        const s = scalarOf(node.constant);
        if (typeof s !== 'number') throw new SkeinError('INTERNAL', 'fusion reached a non-numeric constant');
        return `(${safeConst(s)})`;
      }
      const d = node.fuse;
      if (d === undefined) {
        let k = leaves.indexOf(node);
        if (k < 0) {
          k = leaves.length;
          leaves.push(node);
          lines.unshift(`const in${k} = inputs[${k}];`);
        }
        return `in${k}[i]`;
      }
      const name = `t${tmp++}`;
      if (d.kind === 'convert') {
        let x = emit(d.input);
        if (d.mul !== 1) x = `${x} * ${safeConst(d.mul)}`;
        if (d.div !== 1) x = `${x} / ${safeConst(d.div)}`;
        lines.push(`const ${name} = ${x};`);
      } else {
        let x = emit(d.a);
        let y = emit(d.b);
        if (d.fa !== 1) x = `(${x} * ${safeConst(d.fa)})`;
        if (d.fb !== 1) y = `(${y} * ${safeConst(d.fb)})`;
        lines.push(`const ${name} = ${x} ${d.op} ${y};`);
        if (d.cls === 'exact' && (d.fa !== 1 || d.fb !== 1)) {
          // A rescaled operand must itself be exact.
          if (d.fa !== 1) checks.push(`${x} <= ${M} && ${x} >= -${M}`);
          if (d.fb !== 1) checks.push(`${y} <= ${M} && ${y} >= -${M}`);
        }
      }
      const cls = d.cls;
      if (cls === 'exact') checks.push(`${name} <= ${M} && ${name} >= -${M}`);
      else if (cls === 'i32') checks.push(`(${name} | 0) === ${name}`);
      return name;
    };
    const top = emit(root);
    const loopLines = lines.filter((l) => !l.startsWith('const in'));
    const header = lines.filter((l) => l.startsWith('const in'));
    const body = `${header.join('\n')}
let flags = 0;
for (let i = 0; i < n; i++) {
${loopLines.join('\n')}
out[i] = ${top};
${checks.length > 0 ? `if (!(${checks.join(' && ')})) flags = 1;` : ''}
}
return flags;`;
    const kinds = leaves.map((l) => (l.type.kind === 'int32' || l.type.kind === 'date' ? 'i' : 'f')).join('');
    const cls = desc.cls;
    return {
      loop: generated(`fused ${cls} ${kinds}`, ['n', 'inputs', 'out'], body),
      leaves,
      cls,
    };
  };

  return (batch) => {
    compiled ??= compile();
    const n = batch.length;
    const inputs: (Int32Array | Float64Array)[] = [];
    const validities: Validity[] = [];
    for (const leaf of compiled.leaves) {
      const v = leaf.eval(batch);
      if (v.kind === 'null') return nullVector(type, n);
      if (v.kind !== 'f64' && v.kind !== 'i32') return fallback(batch); // BigInt storage
      inputs.push(v.values);
      validities.push(v.validity);
    }
    const out = compiled.cls === 'i32' ? new Int32Array(n) : new Float64Array(n);
    const flags = compiled.loop(n, inputs, out);
    if (flags !== 0) return fallback(batch);
    const validity = andValidities(validities, n);
    return compiled.cls === 'i32'
      ? i32Vector(type, out as Int32Array, validity)
      : f64Vector(type, out as Float64Array, validity);
  };
}
