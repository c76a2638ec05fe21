import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/local/memory-state-store.ts';
import { SkeinError } from '../../src/errors.ts';
import { ConditionFailedError, type JsonValue, STATE_LIMITS } from '../../src/ports/state-store.ts';

describe('MemoryStateStore', () => {
  it('versions items: 1 on creation, +1 per write', async () => {
    const s = new MemoryStateStore();
    expect(await s.get('a')).toBeUndefined();
    expect(await s.put('a', { n: 1 })).toEqual({ key: 'a', value: { n: 1 }, version: 1 });
    expect(await s.put('a', { n: 2 })).toMatchObject({ version: 2 });
    expect(await s.get('a')).toEqual({ key: 'a', value: { n: 2 }, version: 2 });
  });

  it('writes conditionally and says why a condition failed', async () => {
    const s = new MemoryStateStore();
    await s.put('k', 'first', { ifNotExists: true });
    const err = await s.put('k', 'second', { ifNotExists: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionFailedError);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as ConditionFailedError).actualVersion).toBe(1);
    expect((err as Error).message).toBe(
      "conditional write to state key 'k' failed: expected no item, found version 1",
    );
    expect((await s.get('k'))!.value).toBe('first');

    await s.put('k', 'v2', { ifVersion: 1 });
    await expect(s.put('k', 'stale', { ifVersion: 1 })).rejects.toThrow(
      /expected version 1, found version 2/,
    );
    await expect(s.put('missing', 'x', { ifVersion: 1 })).rejects.toThrow(
      /expected version 1, found no item/,
    );

    await expect(s.delete('k', { ifVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await s.delete('k', { ifVersion: 2 })).toBe(true);
    expect(await s.delete('k')).toBe(false);
    // Re-created items start again at version 1.
    expect((await s.put('k', 'again', { ifNotExists: true })).version).toBe(1);
  });

  it('lets exactly one of many concurrent conditional writers win', async () => {
    const s = new MemoryStateStore();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => s.put('q/9/commit/1/4', { attempt: i }, { ifNotExists: true })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConditionFailedError);
    // Optimistic concurrency: read-modify-write with ifVersion loses no update.
    await s.put('counter', 0);
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        for (;;) {
          const cur = (await s.get('counter'))!;
          try {
            await s.put('counter', (cur.value as number) + 1, { ifVersion: cur.version });
            return;
          } catch (err) {
            if (!(err instanceof ConditionFailedError)) throw err;
          }
        }
      }),
    );
    expect(await s.get('counter')).toMatchObject({ value: 25, version: 26 });
  });

  it('serves other threads through a port, with the same conditional semantics', async () => {
    const s = new MemoryStateStore();
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { port, n, id } = workerData;
      let next = 0; const pending = new Map();
      port.on('message', (r) => { const p = pending.get(r.id); pending.delete(r.id); r.ok ? p.res(r.value) : p.rej(r.error); });
      const call = (method, ...args) => new Promise((res, rej) => { const i = next++; pending.set(i, { res, rej }); port.postMessage({ id: i, method, args }); });
      (async () => {
        const outcomes = [];
        for (let k = 0; k < n; k++) {
          try { await call('put', 'race/' + k, { by: id }, { ifNotExists: true }); outcomes.push('won'); }
          catch (e) { outcomes.push(e.name + ':' + e.fields.actualVersion); }
        }
        parentPort.postMessage(outcomes);
        port.close();
      })();`;
    // Raw port messages here, to show the wire protocol; src code uses stateStoreOverPort().
    const workers = Array.from({ length: 4 }, (_, id) => {
      const port = s.connect();
      return new Worker(script, { eval: true, workerData: { port, n: 50, id }, transferList: [port] });
    });
    const exits = workers.map((w) => once(w, 'exit'));
    const outcomes = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0] as string[]));
    await Promise.all(exits);
    for (let k = 0; k < 50; k++) {
      const column = outcomes.map((o) => o[k]);
      expect(column.filter((x) => x === 'won')).toHaveLength(1);
      expect(column.filter((x) => x === 'ConditionFailedError:1')).toHaveLength(3);
      const winner = column.indexOf('won');
      expect((await s.get(`race/${k}`))!.value).toEqual({ by: winner });
    }
  });

  it('lists by prefix in key order, and keeps copies, not the caller’s objects', async () => {
    const s = new MemoryStateStore();
    for (const k of ['q/2/b', 'q/1/x', 'q/2/a', 'r/1']) await s.put(k, k);
    expect((await s.list('q/2/')).map((i) => i.key)).toEqual(['q/2/a', 'q/2/b']);
    expect((await s.list('')).map((i) => i.key)).toEqual(['q/1/x', 'q/2/a', 'q/2/b', 'r/1']);
    const v: { a: number[] } = { a: [1] };
    await s.put('obj', v);
    v.a.push(2);
    const got = (await s.get('obj'))!.value as { a: number[] };
    expect(got).toEqual({ a: [1] });
    got.a.push(3);
    expect((await s.get('obj'))!.value).toEqual({ a: [1] });
  });

  it('refuses keys and values beyond the limits, and values that are not JSON', async () => {
    const s = new MemoryStateStore();
    await expect(s.put('', 1)).rejects.toThrow(/non-empty/);
    await expect(s.put('k'.repeat(STATE_LIMITS.maxKeyBytes + 1), 1)).rejects.toThrow(
      /longer than the limit of 1024/,
    );
    await expect(s.put('big', 'x'.repeat(STATE_LIMITS.maxValueBytes))).rejects.toThrow(
      /limit is 409600 bytes \(400 KiB\)/,
    );
    await expect(s.put('fn', (() => 1) as unknown as JsonValue)).rejects.toThrow(/not JSON/);
    await expect(s.put('bigint', 1n as unknown as JsonValue)).rejects.toThrow(/not JSON/);
  });
});
