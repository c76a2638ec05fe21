/**
 * The names closest to a misspelt one, for "did you mean" hints in error messages.
 *
 * @example
 * nearestNames('lineitme', ['lineitem', 'orders', 'part']); // ['lineitem']
 */
export function nearestNames(wanted: string, candidates: Iterable<string>, max = 3): string[] {
  const w = wanted.toLowerCase();
  const scored: { name: string; d: number }[] = [];
  for (const name of new Set(candidates)) {
    const n = name.toLowerCase();
    const d = editDistance(w, n);
    // Close in spelling, or one contains the other (`orderkey` → `o_orderkey`).
    const limit = Math.max(1, Math.floor(Math.max(w.length, n.length) / 3));
    const close = d <= limit && d < Math.min(w.length, n.length);
    if (close || (w.length >= 3 && n.length >= 3 && (n.includes(w) || w.includes(n))))
      scored.push({ name, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, max).map((s) => s.name);
}

/** A suffix for a message: ` (did you mean 'a' or 'b'?)`, or '' when nothing is close. */
export function didYouMean(wanted: string, candidates: Iterable<string>): string {
  const near = nearestNames(wanted, candidates);
  if (near.length === 0) return '';
  const quoted = near.map((n) => `'${n}'`);
  const list =
    quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  return ` (did you mean ${list}?)`;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}
