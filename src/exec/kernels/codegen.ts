/**
 * Generated element-wise loops.
 *
 * Why generate: a generic loop that takes the operation as a callback (`(x, y) => x * y`) is shared
 * by every operation and every array type, so V8 sees it megamorphic and calls the callback per
 * row; measured ~5–10× slower than a loop written out for one operation on one array type. Writing
 * all combinations (operation × array types × scalar/vector operands × NULL checks) by hand is
 * hundreds of near-identical loops. So the kernels here assemble the loop's source from fixed
 * templates and compile it once with `new Function`; the cache makes each distinct loop exist once
 * per process. No user input ever reaches a template — only operator symbols, numeric constants
 * derived from types (decimal scale factors) and fixed identifiers — and `safeConst` checks that.
 */
import { SkeinError } from '../../errors.ts';

const cache = new Map<string, unknown>();

/**
 * Compiles (once) a function with the given parameter names and body. `tag` separates otherwise
 * identical loops that will see different array types, so each stays monomorphic.
 */
export function generated<F>(tag: string, params: readonly string[], body: string): F {
  const key = `${tag}|${params.join(',')}|${body}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    fn = new Function(...params, `'use strict';\n// ${tag}\n${body}`);
    cache.set(key, fn);
  }
  return fn as F;
}

/** A numeric constant rendered for a template; anything but a finite number is a bug. */
export function safeConst(x: number): string {
  if (!Number.isFinite(x)) throw new SkeinError('INTERNAL', `non-finite constant ${x} in a generated kernel`);
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Operand access in a loop over `i`: a vector element or a scalar parameter. */
export function operand(name: string, isScalar: boolean): string {
  return isScalar ? name : `${name}[i]`;
}

/** Number of generated functions so far (for tests and curiosity). */
export function generatedCount(): number {
  return cache.size;
}
