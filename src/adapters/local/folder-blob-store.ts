import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SkeinError } from '../../errors.ts';
import type { BlobInfo, BlobStore, BlobWriter, ByteRange } from '../../ports/blob-store.ts';

/** Marks files that are still being written; `list` never shows them. */
const TEMP_MARK = '.skein-tmp-';

/**
 * A BlobStore on a local folder. Writes go to a temporary file beside the target and are renamed
 * over it on commit, so a crash never leaves an object that looks complete.
 */
export class FolderBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) {
      throw new SkeinError('INVALID_ARGUMENT', `blob key '${key}' points outside ${this.root}`);
    }
    return p;
  }

  describe(key?: string): string {
    return key === undefined ? this.root : join(this.root, key);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const w = await this.createWriter(key);
    try {
      await w.write(body);
      await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async createWriter(key: string): Promise<BlobWriter> {
    const target = this.path(key);
    const temp = `${target}${TEMP_MARK}${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (err) {
      throw ioError('create the folder for', dirname(target), err);
    }
    let fh: FileHandle;
    try {
      fh = await open(temp, 'w');
    } catch (err) {
      throw ioError('write', target, err);
    }
    let done = false;
    return {
      async write(chunk: Uint8Array): Promise<void> {
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
      },
      async commit(): Promise<void> {
        if (done) throw new SkeinError('INTERNAL', `writer for ${target} used after commit or abort`);
        done = true;
        await fh.close();
        await rename(temp, target);
      },
      async abort(): Promise<void> {
        if (done) return;
        done = true;
        await fh.close().catch(() => {});
        await rm(temp, { force: true });
      },
    };
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const p = this.path(key);
    let fh: FileHandle;
    try {
      fh = await open(p, 'r');
    } catch (err) {
      throw ioError('read', p, err);
    }
    try {
      const offset = range?.offset ?? 0;
      const length = range?.length ?? (await fh.stat()).size - offset;
      const out = new Uint8Array(Math.max(0, length));
      let got = 0;
      while (got < out.length) {
        const { bytesRead } = await fh.read(out, got, out.length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === out.length ? out : out.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { key, size: s.size } : undefined;
    } catch {
      return undefined;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    // Walk only the folder the prefix points into, not the whole tree.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const all: BlobInfo[] = [];
    await this.walk(base === '' ? this.root : this.path(base), all);
    all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const info of all) if (info.key.startsWith(prefix)) yield info;
  }

  private async walk(dir: string, out: BlobInfo[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // a missing folder lists as empty
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await this.walk(p, out);
      else if (e.isFile() && !e.name.includes(TEMP_MARK)) {
        try {
          out.push({ key: relative(this.root, p).split(sep).join('/'), size: (await stat(p)).size });
        } catch {
          // deleted while we listed: it is simply not there any more
        }
      }
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.path(k), { force: true })));
  }
}

function ioError(verb: string, path: string, err: unknown): SkeinError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'EACCES' || e.code === 'EPERM'
      ? 'permission denied'
      : e.code === 'ENOENT'
        ? 'no such file or folder'
        : e.code === 'ENOTDIR'
          ? 'a path component is not a folder'
          : e.code === 'ENOSPC'
            ? 'no space left on the device'
            : (e.message ?? String(err));
  return new SkeinError(e.code === 'ENOENT' ? 'NOT_FOUND' : 'EXTERNAL', `cannot ${verb} ${path}: ${why}`, {
    cause: err,
  });
}
