/**
 * Driver progress of a task's CSV scans (DESIGN §3.6): CSV splits carry no row counts, so their
 * progress is measured in bytes — those of the files handed to the parser. A CSV scan reads its
 * files one after another in chunks (ranged GETs, 8 MiB), asking for the next chunk only once the
 * last is parsed; a file before the one being read counts whole (also when it was empty or
 * skipped). A chunk counts once fetched: exact whenever the scan's output is looked at between
 * chunks (a file smaller than a chunk ends with its batch), else ahead by at most the chunk not
 * yet parsed. (Counting it only once the next is asked for would lag by a whole file for small
 * files — twice the estimate when a task's LoadInfo comes in its second file.)
 *
 * @example
 * const progress = new CsvScanProgress([{ location, files: scan.files }]);
 * const store = progress.observe(location, tableStore); // GETs through it are counted
 * progress.fraction(); // 0 … 1
 */
import type { BlobStore, ByteRange } from '../ports/blob-store.ts';

interface ScanState {
  readonly location: string;
  readonly files: readonly { readonly key: string; readonly size: number }[];
  /** Bytes of the files before `current`. */
  before: number;
  current: number;
  /** Bytes of the current file fetched. */
  fetched: number;
}

export class CsvScanProgress {
  private readonly scans: ScanState[];
  readonly total: number;

  constructor(scans: readonly { location: string; files: readonly { key: string; size: number }[] }[]) {
    this.scans = scans.map((s) => ({ ...s, before: 0, current: -1, fetched: 0 }));
    this.total = scans.reduce((t, s) => t + s.files.reduce((x, f) => x + f.size, 0), 0);
  }

  /** Bytes consumed over all scans. */
  consumed(): number {
    let n = 0;
    for (const s of this.scans) n += s.before + s.fetched;
    return n;
  }

  /** Consumed ÷ total, in [0, 1]; 0 without CSV input. */
  fraction(): number {
    return this.total > 0 ? Math.min(1, this.consumed() / this.total) : 0;
  }

  /** A view of `store` (the table store at `location`) whose GETs of the scans' files are counted. */
  observe(location: string, store: BlobStore): BlobStore {
    const mine = this.scans.filter((s) => s.location === location);
    if (mine.length === 0) return store;
    const get = async (key: string, range?: ByteRange): Promise<Uint8Array> => {
      const bytes = await store.get(key, range);
      for (const s of mine) this.record(s, key, bytes.length);
      return bytes;
    };
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'get') return get;
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  private record(s: ScanState, key: string, length: number): void {
    const i = s.files.findIndex((f, k) => k >= Math.max(0, s.current) && f.key === key);
    if (i < 0) return;
    if (i > s.current) {
      // The files from the current one up to this one are done (read, or empty).
      for (let k = Math.max(0, s.current); k < i; k++) s.before += s.files[k]!.size;
      s.current = i;
      s.fetched = 0;
    }
    s.fetched += length;
  }
}
