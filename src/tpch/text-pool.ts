import { SkeinError } from '../errors.ts';
import { type Distribution, getDist } from './dists.ts';
import { STREAMS } from './random.ts';

/**
 * dbgen's text pool: 300 MiB of pseudo-English built once from the sentence grammar of dists.dss.
 * Every comment column is a slice of it at a random offset with a random length.
 */
export const TEXT_POOL_SIZE = 300 * 1024 * 1024;

/** Longest sentence the grammar can produce (dbgen's MAX_SENT_LEN); the build's scratch space. */
const MAX_SENTENCE = 256;

/**
 * The sentence grammar of dists.dss compiled to flat tables, so the pool is built by one tight
 * loop. Word lists (nouns, verbs, …) become ranges of `wordPick`, which maps a draw to a word;
 * phrases become token codes: for sentences 'N' 'V' 'P' 'T' as char codes, for noun and verb
 * phrases (word list << 8) | punctuation byte (0 for none).
 */
interface CompiledGrammar {
  readonly words: Uint8Array;
  readonly wordStart: Int32Array;
  readonly wordLength: Int32Array;
  /** Per word list: where its draws start in `wordPick`, and its total weight. */
  readonly listBase: Int32Array;
  readonly listTotal: Int32Array;
  readonly wordPick: Int32Array;
  readonly preposition: number;
  readonly terminator: number;
  readonly sentence: CompiledPhrases;
  readonly nounPhrase: CompiledPhrases;
  readonly verbPhrase: CompiledPhrases;
}

interface CompiledPhrases {
  readonly total: number;
  /** Draw → form. */
  readonly pick: Int32Array;
  /** Form i is codes[start[i], start[i + 1]). */
  readonly start: Int32Array;
  readonly codes: Int32Array;
}

const WORD_LISTS = [
  'nouns',
  'verbs',
  'adjectives',
  'adverbs',
  'auxillaries',
  'articles',
  'prepositions',
  'terminators',
];
/** Which word list each part-of-speech letter of a noun or verb phrase draws from. */
const NOUN_PHRASE_LISTS: Record<string, string> = {
  A: 'articles',
  J: 'adjectives',
  D: 'adverbs',
  N: 'nouns',
};
const VERB_PHRASE_LISTS: Record<string, string> = { D: 'adverbs', V: 'verbs', X: 'auxillaries' };

function compileGrammar(): CompiledGrammar {
  const lists = WORD_LISTS.map((name) => getDist(name));
  const wordBytes: number[] = [];
  const wordStart: number[] = [];
  const wordLength: number[] = [];
  const listBase: number[] = [];
  const listTotal: number[] = [];
  const wordPick: number[] = [];
  for (const d of lists) {
    const first = wordStart.length;
    for (const b of d.bytes) {
      wordStart.push(wordBytes.length);
      wordLength.push(b.length);
      wordBytes.push(...b);
    }
    listBase.push(wordPick.length);
    listTotal.push(d.total);
    for (const i of d.pickIndex) wordPick.push(first + i);
  }
  const listOf = (name: string): number => WORD_LISTS.indexOf(name);
  const phrases = (d: Distribution, token: (t: string) => number): CompiledPhrases => {
    const start = [0];
    const codes: number[] = [];
    for (const form of d.values) {
      for (const t of form.split(' ')) if (t !== '') codes.push(token(t));
      start.push(codes.length);
    }
    return {
      total: d.total,
      pick: d.pickIndex,
      start: Int32Array.from(start),
      codes: Int32Array.from(codes),
    };
  };
  const wordToken = (letters: Record<string, string>) => (t: string) => {
    const list = letters[t[0]!];
    if (list === undefined) throw new SkeinError('INTERNAL', `dists.dss: unknown phrase token '${t}'`);
    return (listOf(list) << 8) | (t.length > 1 ? t.charCodeAt(1) : 0);
  };
  return {
    words: Uint8Array.from(wordBytes),
    wordStart: Int32Array.from(wordStart),
    wordLength: Int32Array.from(wordLength),
    listBase: Int32Array.from(listBase),
    listTotal: Int32Array.from(listTotal),
    wordPick: Int32Array.from(wordPick),
    preposition: listOf('prepositions'),
    terminator: listOf('terminators'),
    sentence: phrases(getDist('grammar'), (t) => {
      if (!'NVPT'.includes(t)) throw new SkeinError('INTERNAL', `dists.dss: unknown grammar token '${t}'`);
      return t.charCodeAt(0);
    }),
    nounPhrase: phrases(getDist('np'), wordToken(NOUN_PHRASE_LISTS)),
    verbPhrase: phrases(getDist('vp'), wordToken(VERB_PHRASE_LISTS)),
  };
}

/**
 * Writes pool[0, to) with dbgen's text stream, starting from `seed`. Sentences follow each other
 * with one space; the last is cut at `to`.
 *
 * This is the hot part of the pool build, so: every word is stored as 16 bytes (four int32) and
 * written with DataView stores, which may run past the word; the next word overwrites that. Whole
 * sentences go straight into the pool while there is room for that, the last ones through a
 * scratch buffer.
 */
function writeSentences(g: CompiledGrammar, pool: Uint8Array, to: number, seed: number): void {
  const { wordLength, listBase, listTotal, wordPick } = g;
  const { sentence, nounPhrase, verbPhrase } = g;
  const preposition = g.preposition;
  const terminator = g.terminator;
  const words = new Int32Array(wordLength.length * 4);
  for (let w = 0; w < wordLength.length; w++) {
    for (let k = 0; k < wordLength[w]!; k++) {
      words[w * 4 + (k >> 2)]! |= g.words[g.wordStart[w]! + k]! << ((k & 3) * 8);
    }
  }
  const poolView = new DataView(pool.buffer, pool.byteOffset, pool.byteLength);
  const scratchView = new DataView(new ArrayBuffer(2 * MAX_SENTENCE + 16));
  const directLimit = to - MAX_SENTENCE - 16;
  let pos = 0;
  while (pos < to) {
    const direct = pos <= directLimit;
    const out = direct ? poolView : scratchView;
    let p = direct ? pos : 0;
    // One sentence: pick a form, then expand its tokens. Every draw advances the stream the way
    // dbgen's pick_str does: seed · 16807 mod (2^31 − 1) (inlined; see RowStream.next).
    let low = 16807 * (seed & 0xffff);
    let high = 16807 * (seed >>> 16);
    let r = low + ((high & 0x7fff) << 16) + (high >>> 15);
    seed = ((r & 0x7fffffff) + (r >>> 31)) | 0;
    const form = sentence.pick[Math.floor((seed / 2147483647) * sentence.total)]!;
    for (let t = sentence.start[form]!, tEnd = sentence.start[form + 1]!; t < tEnd; t++) {
      const token = sentence.codes[t]!;
      // A phrase (noun or verb) or a single word (preposition, terminator).
      let phrases = token === 0x56 ? verbPhrase : nounPhrase; // 'V'
      let single = -1;
      if (token === 0x54) {
        single = terminator; // 'T': replaces the space after the last word
        p--;
      } else if (token === 0x50) {
        single = preposition; // 'P': a preposition, "the", then a noun phrase
      }
      if (single >= 0) {
        low = 16807 * (seed & 0xffff);
        high = 16807 * (seed >>> 16);
        r = low + ((high & 0x7fff) << 16) + (high >>> 15);
        seed = ((r & 0x7fffffff) + (r >>> 31)) | 0;
        const w = wordPick[listBase[single]! + Math.floor((seed / 2147483647) * listTotal[single]!)]!;
        const q = w * 4;
        out.setInt32(p, words[q]!, true);
        out.setInt32(p + 4, words[q + 1]!, true);
        out.setInt32(p + 8, words[q + 2]!, true);
        out.setInt32(p + 12, words[q + 3]!, true);
        p += wordLength[w]!;
        out.setUint8(p++, 0x20);
        if (token === 0x54) continue;
        out.setInt32(p, 0x20656874, true); // "the "
        p += 4;
        phrases = nounPhrase;
      }
      low = 16807 * (seed & 0xffff);
      high = 16807 * (seed >>> 16);
      r = low + ((high & 0x7fff) << 16) + (high >>> 15);
      seed = ((r & 0x7fffffff) + (r >>> 31)) | 0;
      const phrase = phrases.pick[Math.floor((seed / 2147483647) * phrases.total)]!;
      for (let c = phrases.start[phrase]!, cEnd = phrases.start[phrase + 1]!; c < cEnd; c++) {
        const code = phrases.codes[c]!;
        const list = code >> 8;
        low = 16807 * (seed & 0xffff);
        high = 16807 * (seed >>> 16);
        r = low + ((high & 0x7fff) << 16) + (high >>> 15);
        seed = ((r & 0x7fffffff) + (r >>> 31)) | 0;
        const w = wordPick[listBase[list]! + Math.floor((seed / 2147483647) * listTotal[list]!)]!;
        const q = w * 4;
        out.setInt32(p, words[q]!, true);
        out.setInt32(p + 4, words[q + 1]!, true);
        const length = wordLength[w]!;
        if (length > 8) {
          out.setInt32(p + 8, words[q + 2]!, true);
          out.setInt32(p + 12, words[q + 3]!, true);
        }
        p += length;
        if ((code & 0xff) !== 0) out.setUint8(p++, code & 0xff);
        out.setUint8(p++, 0x20);
      }
    }
    if (direct) {
      pos = p;
    } else {
      const n = Math.min(p, to - pos);
      pool.set(new Uint8Array(scratchView.buffer, 0, n), pos);
      pos += n;
    }
  }
}

/**
 * Builds the text pool into `target` (a fresh buffer when omitted) and returns the pool view.
 * Pass a view of a `SharedArrayBuffer` to build it once and hand it to worker threads, which
 * then adopt it with `setTextPool` (or pass it as `textPool` to `generateBatches`) without copying.
 * Takes about 1 s on one core of a current x86 server (0.8 s of it computing, the rest the kernel
 * supplying 300 MiB of fresh pages); the pool is the same on every run.
 *
 * @example
 * const shared = new Uint8Array(new SharedArrayBuffer(TEXT_POOL_SIZE));
 * buildTextPool(shared);
 * worker.postMessage({ pool: shared }); // the worker calls setTextPool(pool)
 */
export function buildTextPool(target?: Uint8Array): Uint8Array {
  const pool = target ?? new Uint8Array(TEXT_POOL_SIZE);
  if (pool.length < TEXT_POOL_SIZE) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `the text pool needs ${TEXT_POOL_SIZE} bytes, got ${pool.length}`,
    );
  }
  writeSentences(compileGrammar(), pool, TEXT_POOL_SIZE, STREAMS.TEXT_POOL.seed);
  return pool.length === TEXT_POOL_SIZE ? pool : pool.subarray(0, TEXT_POOL_SIZE);
}

/**
 * Builds the text pool into a new SharedArrayBuffer, for the thread that starts workers: each
 * worker adopts the same memory (see `buildTextPool` for the cost).
 */
export function buildSharedTextPool(): Uint8Array {
  return buildTextPool(new Uint8Array(new SharedArrayBuffer(TEXT_POOL_SIZE)));
}

let threadPool: Uint8Array | undefined;

/**
 * This thread's text pool: the one adopted with `setTextPool`, or else built on first use (see
 * `buildTextPool` for the cost) and kept for the life of the thread.
 */
export function getTextPool(): Uint8Array {
  threadPool ??= buildTextPool();
  return threadPool;
}

/** Adopts a pool built elsewhere (e.g. by the main thread into a SharedArrayBuffer). */
export function setTextPool(pool: Uint8Array): void {
  if (pool.length !== TEXT_POOL_SIZE) {
    throw new SkeinError('INVALID_ARGUMENT', `a text pool has ${TEXT_POOL_SIZE} bytes, got ${pool.length}`);
  }
  threadPool = pool;
}
