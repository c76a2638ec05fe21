/** The commit rule (DESIGN §3.4): the first commit of a task wins; duplicates and later ones do not. */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/local/memory-state-store.ts';
import { CommitLedger } from '../../src/runtime/commit-ledger.ts';

const q = 'q1';
const a = (task: number, attempt: number) => ({ queryId: q, stage: 2, task, attempt });

describe('CommitLedger', () => {
  it('lets the first commit of a task win', async () => {
    const ledger = new CommitLedger(new MemoryStateStore(), q);
    expect(await ledger.record(a(0, 1))).toBe('won');
    expect(await ledger.winner(2, 0)).toBe(1);
  });

  it('calls a second commit of the winning attempt a duplicate (its objects are the winner’s)', async () => {
    const ledger = new CommitLedger(new MemoryStateStore(), q);
    await ledger.record(a(0, 0));
    expect(await ledger.record(a(0, 0))).toBe('duplicate');
  });

  it('lets a later commit of another attempt lose, and keeps the winner', async () => {
    const ledger = new CommitLedger(new MemoryStateStore(), q);
    expect(await ledger.record(a(0, 1))).toBe('won');
    expect(await ledger.record(a(0, 0))).toBe('lost');
    expect(await ledger.record(a(0, 2))).toBe('lost');
    expect(await ledger.winner(2, 0)).toBe(1);
  });

  it('keeps tasks apart', async () => {
    const ledger = new CommitLedger(new MemoryStateStore(), q);
    expect(await ledger.record(a(0, 0))).toBe('won');
    expect(await ledger.record(a(1, 3))).toBe('won');
    expect(await ledger.winner(2, 1)).toBe(3);
  });

  it('picks exactly one winner among racing commits, also across ledgers on one store', async () => {
    const state = new MemoryStateStore();
    const ledgers = [new CommitLedger(state, q), new CommitLedger(state, q)];
    const verdicts = await Promise.all(Array.from({ length: 8 }, (_, i) => ledgers[i % 2]!.record(a(5, i))));
    expect(verdicts.filter((v) => v === 'won')).toHaveLength(1);
    expect(verdicts.filter((v) => v === 'lost')).toHaveLength(7);
  });

  it('drops redelivered events by id', () => {
    const ledger = new CommitLedger(new MemoryStateStore(), q);
    expect(ledger.firstDelivery('q1.2.0.0.commit')).toBe(true);
    expect(ledger.firstDelivery('q1.2.0.0.commit')).toBe(false);
    expect(ledger.firstDelivery('q1.2.0.1.commit')).toBe(true);
  });
});
