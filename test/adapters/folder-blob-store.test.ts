import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { SkeinError } from '../../src/errors.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('FolderBlobStore', () => {
  let dir: string;
  let store: FolderBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skein-blob-'));
    store = new FolderBlobStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically: nothing is visible under the key before commit', async () => {
    const w = await store.createWriter('a/b/obj.bin');
    await w.write(bytes('hello '));
    expect(await store.head('a/b/obj.bin')).toBeUndefined();
    const listed: string[] = [];
    for await (const i of store.list('')) listed.push(i.key);
    expect(listed).toEqual([]);
    await w.write(bytes('world'));
    await w.commit();
    expect(await store.head('a/b/obj.bin')).toEqual({ key: 'a/b/obj.bin', size: 11 });
    expect(text(await store.get('a/b/obj.bin'))).toBe('hello world');
  });

  it('abort leaves the previous object and no temporary file', async () => {
    await store.put('x.txt', bytes('old'));
    const w = await store.createWriter('x.txt');
    await w.write(bytes('new and longer'));
    await w.abort();
    expect(text(await store.get('x.txt'))).toBe('old');
    expect(await readdir(dir)).toEqual(['x.txt']);
  });

  it('reads byte ranges', async () => {
    await store.put('r', bytes('0123456789'));
    expect(text(await store.get('r', { offset: 3, length: 4 }))).toBe('3456');
    expect(text(await store.get('r', { offset: 8, length: 10 }))).toBe('89');
  });

  it('lists by prefix in key order and deletes', async () => {
    for (const k of ['t/b', 't/a', 'u/c', 't/sub/d']) await store.put(k, bytes(k));
    const keys: string[] = [];
    for await (const i of store.list('t/')) keys.push(i.key);
    expect(keys).toEqual(['t/a', 't/b', 't/sub/d']);
    await store.delete(['t/a', 'missing']);
    expect(await store.head('t/a')).toBeUndefined();
    expect(await store.head('t/b')).toBeDefined();
  });

  it('lists a prefix without reading unrelated folders, and a missing folder as empty', async () => {
    for (const k of ['q1/s0/a', 'q1/s1/b', 'q2/s0/c']) await store.put(k, bytes(k));
    const keys: string[] = [];
    for await (const i of store.list('q1/s')) keys.push(i.key);
    expect(keys).toEqual(['q1/s0/a', 'q1/s1/b']);
    const none: string[] = [];
    for await (const i of store.list('nothing/here/')) none.push(i.key);
    expect(none).toEqual([]);
  });

  it('names the file when it cannot read or write', async () => {
    await expect(store.get('nope')).rejects.toThrow(/cannot read .*nope: no such file/);
    await writeFile(join(dir, 'file'), 'x');
    const err = await store.createWriter('file/child').catch((e) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect(err.message).toMatch(/file/);
  });

  it('refuses keys that escape the root', async () => {
    await expect(store.put('../escape', bytes('x'))).rejects.toThrow(/outside/);
  });
});
