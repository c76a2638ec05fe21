import { randomBytes, randomUUID } from 'node:crypto';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  type BatchEntry,
  type BatchResult,
  checkBatch,
  checkOutgoingMessage,
  checkQueueName,
  checkRange,
  type MessageQueue,
  type OutgoingMessage,
  QUEUE_LIMITS,
  QueueError,
  type QueueError as QueueErrorType,
  type QueueOptions,
  type QueueStats,
  type ReceivedMessage,
  type ReceiveOptions,
  resolveQueueOptions,
  resolveReceiveOptions,
  type SentMessage,
} from '../../ports/message-queue.ts';
import { proxyOverPort, serveOverPort } from './port-rpc.ts';

/**
 * Faults for tests: they make the queue behave like SQS on a bad day, so consumers can be shown to
 * cope with duplicates and disorder. Deterministic for a given `seed`.
 */
export interface MemoryQueueFaults {
  /** Probability that a sent message is stored twice (same message id, separate deliveries). */
  duplicateProbability?: number;
  /** Receive takes visible messages in random order instead of oldest first. */
  reorder?: boolean;
  /** Probability that a receive that could return messages returns none (SQS's sampled short poll). */
  emptyReceiveProbability?: number;
  seed?: number;
}

export interface MemoryMessageQueueOptions {
  faults?: MemoryQueueFaults;
}

type ResolvedOptions = ReturnType<typeof resolveQueueOptions>;

interface StoredMessage {
  /** Unique per stored copy (a duplicate gets its own). */
  readonly storageId: number;
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Record<string, string>;
  readonly sentAt: number;
  readonly size: number;
  /** When it becomes (or became) visible. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number;
  /** The latest receipt handle, if received. */
  handle: string | undefined;
  /** Bumped on every visibility change, so stale timer-heap entries can be told apart. */
  version: number;
  state: 'visible' | 'hidden' | 'gone';
}

interface Waiter {
  readonly max: number;
  readonly visibilityTimeoutMs: number;
  readonly resolve: (messages: ReceivedMessage[]) => void;
  readonly timer: NodeJS.Timeout;
}

interface HeapEntry {
  at: number;
  version: number;
  message: StoredMessage;
}

/**
 * The MessageQueue on one machine: in-process queues with SQS's standard-queue semantics —
 * at-least-once delivery, visibility timeouts with redelivery under a new receipt handle, stale
 * handles that do not delete, long polls that return as soon as a message is visible, delays,
 * retention, dead-letter redrive after N receives, and SQS's limits. Optional faults (duplicates,
 * reordering, empty receives) exercise consumers.
 *
 * **Across threads.** The queues live in the thread that created this object (the coordinator's).
 * Worker threads reach them through a MessagePort: `connect()` returns a port to transfer to the
 * worker, where `messageQueueOverPort(port)` gives a MessageQueue whose calls run here. Every call
 * is one request/response over the port (structured clone), so the semantics are exactly those of
 * the owner's queue. WorkerInvoker does this for handlers through its `services` option.
 *
 * @example
 * const queue = new MemoryMessageQueue();
 * await queue.createQueue('events', { visibilityTimeoutMs: 5_000 });
 * const port = queue.connect(); // transfer to a worker: new Worker(url, { workerData: { port }, transferList: [port] })
 */
export class MemoryMessageQueue implements MessageQueue {
  private readonly queues = new Map<string, QueueState>();
  /** Random per instance: receipt handles that carry another nonce were never issued here. */
  private readonly nonce = randomBytes(6).toString('hex');
  private readonly connections = new Set<() => void>();
  private faults: Required<MemoryQueueFaults>;
  private rng: () => number;
  private storageSeq = 0;
  private receiveSeq = 0;
  private closed = false;

  constructor(options: MemoryMessageQueueOptions = {}) {
    this.faults = resolveFaults(options.faults);
    this.rng = mulberry32(this.faults.seed);
  }

  /** Replaces the fault settings (all off when called without an argument). */
  setFaults(faults: MemoryQueueFaults = {}): void {
    this.faults = resolveFaults(faults);
    this.rng = mulberry32(this.faults.seed);
  }

  async createQueue(name: string, options?: QueueOptions): Promise<void> {
    this.checkOpen();
    checkQueueName(name);
    const resolved = resolveQueueOptions(options);
    if (resolved.deadLetter && !this.queues.has(resolved.deadLetter.queue)) {
      throw new QueueError(
        'QueueDoesNotExist',
        `dead-letter queue '${resolved.deadLetter.queue}' of queue '${name}' does not exist; create it first`,
      );
    }
    const existing = this.queues.get(name);
    if (existing) {
      if (JSON.stringify(existing.options) !== JSON.stringify(resolved)) {
        throw new QueueError('QueueAlreadyExists', `queue '${name}' already exists with different options`);
      }
      return;
    }
    this.queues.set(name, new QueueState(name, resolved));
  }

  async deleteQueue(name: string): Promise<void> {
    const q = this.queue(name);
    this.queues.delete(name);
    q.dispose();
  }

  async send(queue: string, message: OutgoingMessage): Promise<SentMessage> {
    const q = this.queue(queue);
    const size = checkOutgoingMessage(message);
    return { messageId: this.store(q, message, size) };
  }

  async sendBatch(queue: string, entries: readonly BatchEntry[]): Promise<BatchResult> {
    const q = this.queue(queue);
    checkBatch(entries);
    const result: BatchResult = { successful: [], failed: [] };
    for (const e of entries) {
      let size: number;
      try {
        size = checkOutgoingMessage(e);
      } catch (err) {
        const qe = err as QueueErrorType;
        result.failed.push({ id: e.id, reason: qe.reason, message: qe.message });
        continue;
      }
      result.successful.push({ id: e.id, messageId: this.store(q, e, size) });
    }
    return result;
  }

  receive(queue: string, options?: ReceiveOptions): Promise<ReceivedMessage[]> {
    try {
      const q = this.queue(queue);
      const o = resolveReceiveOptions(options, q.options.visibilityTimeoutMs);
      const now = Date.now();
      const got = this.take(q, o.maxMessages, o.visibilityTimeoutMs, now);
      if (got.length > 0 || o.waitTimeMs === 0) return Promise.resolve(got);
      return new Promise<ReceivedMessage[]>((resolve) => {
        const waiter: Waiter = {
          max: o.maxMessages,
          visibilityTimeoutMs: o.visibilityTimeoutMs,
          resolve,
          timer: setTimeout(() => {
            q.removeWaiter(waiter);
            resolve([]);
          }, o.waitTimeMs),
        };
        q.waiters.push(waiter);
        this.schedule(q);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    const q = this.queue(queue);
    this.checkHandle(receiptHandle);
    const m = q.byHandle.get(receiptHandle);
    // A stale handle: SQS accepts the request and leaves the message alone.
    if (!m) return;
    q.remove(m);
  }

  async deleteBatch(
    queue: string,
    entries: readonly { id: string; receiptHandle: string }[],
  ): Promise<BatchResult> {
    const q = this.queue(queue);
    checkBatch(entries.map((e) => ({ id: e.id, body: '' })));
    const result: BatchResult = { successful: [], failed: [] };
    for (const e of entries) {
      try {
        this.checkHandle(e.receiptHandle);
      } catch (err) {
        const qe = err as QueueErrorType;
        result.failed.push({ id: e.id, reason: qe.reason, message: qe.message });
        continue;
      }
      const m = q.byHandle.get(e.receiptHandle);
      if (m) q.remove(m);
      result.successful.push({ id: e.id });
    }
    return result;
  }

  async changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutMs: number): Promise<void> {
    const q = this.queue(queue);
    this.checkHandle(receiptHandle);
    checkRange('visibilityTimeoutMs', visibilityTimeoutMs, 0, QUEUE_LIMITS.maxVisibilityTimeoutMs);
    const now = Date.now();
    const m = q.byHandle.get(receiptHandle);
    if (m?.state !== 'hidden' || m.visibleAt <= now || m.receiveCount === 0) {
      throw new QueueError(
        'MessageNotInflight',
        `message of receipt handle '${receiptHandle}' is not in flight`,
      );
    }
    m.version++;
    m.visibleAt = now + visibilityTimeoutMs;
    q.hide(m);
    this.schedule(q);
  }

  async stats(queue: string): Promise<QueueStats> {
    const q = this.queue(queue);
    const now = Date.now();
    const s: QueueStats = { visible: 0, inFlight: 0, delayed: 0 };
    for (const m of q.live.values()) {
      if (m.state === 'visible' || m.visibleAt <= now) s.visible++;
      else if (m.receiveCount > 0) s.inFlight++;
      else s.delayed++;
    }
    return s;
  }

  /**
   * A port for another thread: pass it to a worker (in `transferList`) and build the worker's
   * MessageQueue with `messageQueueOverPort(port)`. The port does not keep this process alive.
   */
  connect(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    const stop = serveOverPort(this, port1, QUEUE_METHODS);
    this.connections.add(stop);
    port1.once('close', () => this.connections.delete(stop));
    return port2;
  }

  /** Drops every queue, answers pending long polls with nothing, and closes the ports. */
  close(): void {
    this.closed = true;
    for (const q of this.queues.values()) q.dispose();
    this.queues.clear();
    for (const stop of this.connections) stop();
    this.connections.clear();
  }

  // -------------------------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new QueueError('Unavailable', 'the in-process queue service is closed');
  }

  private queue(name: string): QueueState {
    this.checkOpen();
    const q = this.queues.get(name);
    if (!q) throw new QueueError('QueueDoesNotExist', `queue '${name}' does not exist`);
    return q;
  }

  private checkHandle(handle: string): void {
    if (typeof handle !== 'string' || !handle.startsWith(`${this.nonce}.`)) {
      throw new QueueError(
        'ReceiptHandleIsInvalid',
        `receipt handle '${handle}' was not issued by this queue`,
      );
    }
  }

  private store(q: QueueState, message: OutgoingMessage, size: number): string {
    const messageId = randomUUID();
    const copies =
      this.faults.duplicateProbability > 0 && this.rng() < this.faults.duplicateProbability ? 2 : 1;
    const now = Date.now();
    const delay = message.delayMs ?? q.options.delayMs;
    for (let i = 0; i < copies; i++) {
      const m: StoredMessage = {
        storageId: ++this.storageSeq,
        messageId,
        body: message.body,
        attributes: { ...(message.attributes ?? {}) },
        sentAt: now,
        size,
        visibleAt: now + delay,
        receiveCount: 0,
        firstReceivedAt: 0,
        handle: undefined,
        version: 0,
        state: 'hidden',
      };
      q.live.set(m.storageId, m);
      if (delay > 0) q.hide(m);
      else q.show(m);
    }
    this.serveWaiters(q);
    this.schedule(q);
    return messageId;
  }

  /** Takes up to `max` visible messages and makes them in-flight. */
  private take(q: QueueState, max: number, visibilityTimeoutMs: number, now: number): ReceivedMessage[] {
    q.promote(now);
    if (q.readyCount() === 0) return [];
    if (this.faults.emptyReceiveProbability > 0 && this.rng() < this.faults.emptyReceiveProbability)
      return [];
    const out: ReceivedMessage[] = [];
    while (out.length < max) {
      const m = q.popReady(this.faults.reorder ? this.rng : undefined);
      if (!m) break;
      if (now - m.sentAt > q.options.retentionMs) {
        q.remove(m);
        continue;
      }
      const dl = q.options.deadLetter;
      if (dl && m.receiveCount >= dl.maxReceiveCount) {
        const target = this.queues.get(dl.queue);
        if (target) {
          q.remove(m);
          this.moveTo(target, m, now);
          continue;
        }
      }
      m.receiveCount++;
      if (m.firstReceivedAt === 0) m.firstReceivedAt = now;
      if (m.handle) q.byHandle.delete(m.handle);
      m.handle = `${this.nonce}.${m.storageId}.${++this.receiveSeq}.${randomBytes(4).toString('hex')}`;
      q.byHandle.set(m.handle, m);
      m.version++;
      m.visibleAt = now + visibilityTimeoutMs;
      q.hide(m);
      out.push({
        messageId: m.messageId,
        receiptHandle: m.handle,
        body: m.body,
        attributes: { ...m.attributes },
        receiveCount: m.receiveCount,
        sentAt: m.sentAt,
        firstReceivedAt: m.firstReceivedAt,
      });
    }
    if (out.length > 0) this.schedule(q);
    return out;
  }

  /** Redrive: the message keeps its id, body and receive count, as on SQS. */
  private moveTo(target: QueueState, m: StoredMessage, now: number): void {
    const copy: StoredMessage = {
      ...m,
      storageId: ++this.storageSeq,
      handle: undefined,
      version: 0,
      visibleAt: now,
      state: 'hidden',
    };
    target.live.set(copy.storageId, copy);
    target.show(copy);
    this.serveWaiters(target);
    this.schedule(target);
  }

  private serveWaiters(q: QueueState): void {
    if (q.waiters.length === 0) return;
    const now = Date.now();
    q.promote(now);
    while (q.waiters.length > 0 && q.readyCount() > 0) {
      const w = q.waiters[0]!;
      const got = this.take(q, w.max, w.visibilityTimeoutMs, now);
      if (got.length === 0) break;
      q.waiters.shift();
      clearTimeout(w.timer);
      w.resolve(got);
    }
  }

  /** Keeps one timer per queue, at the next moment a hidden message turns visible, while polls wait. */
  private schedule(q: QueueState): void {
    if (q.timer) {
      clearTimeout(q.timer);
      q.timer = undefined;
    }
    if (q.waiters.length === 0 || q.disposed) return;
    const next = q.nextVisibleAt();
    if (next === undefined) return;
    q.timer = setTimeout(
      () => {
        q.timer = undefined;
        this.serveWaiters(q);
        this.schedule(q);
      },
      Math.max(0, next - Date.now()),
    );
    q.timer.unref();
  }
}

/** The methods a port client may call. */
const QUEUE_METHODS = [
  'createQueue',
  'deleteQueue',
  'send',
  'sendBatch',
  'receive',
  'delete',
  'deleteBatch',
  'changeVisibility',
  'stats',
] as const satisfies readonly (keyof MessageQueue)[];

/**
 * The MessageQueue of another thread, reached through a port from `MemoryMessageQueue.connect()`.
 *
 * @example
 * // in a worker thread
 * const queue = messageQueueOverPort(workerData.queuePort);
 * await queue.send('events', { body: JSON.stringify({ kind: 'heartbeat' }) });
 */
export function messageQueueOverPort(port: MessagePort): MessageQueue & { close(): void } {
  return proxyOverPort<MessageQueue>(port, QUEUE_METHODS);
}

class QueueState {
  readonly live = new Map<number, StoredMessage>();
  readonly byHandle = new Map<string, StoredMessage>();
  readonly waiters: Waiter[] = [];
  timer: NodeJS.Timeout | undefined;
  disposed = false;
  /** Visible messages, oldest first; entries that left the visible state are skipped lazily. */
  private ready: StoredMessage[] = [];
  private readyHead = 0;
  private readyLive = 0;
  /** Hidden messages by the time they turn visible (a min-heap; stale entries skipped). */
  private readonly heap: HeapEntry[] = [];

  constructor(
    readonly name: string,
    readonly options: ResolvedOptions,
  ) {}

  show(m: StoredMessage): void {
    m.state = 'visible';
    this.ready.push(m);
    this.readyLive++;
  }

  hide(m: StoredMessage): void {
    if (m.state === 'visible') this.readyLive--;
    m.state = 'hidden';
    heapPush(this.heap, { at: m.visibleAt, version: m.version, message: m });
  }

  remove(m: StoredMessage): void {
    if (m.state === 'visible') this.readyLive--;
    m.state = 'gone';
    m.version++;
    this.live.delete(m.storageId);
    if (m.handle) this.byHandle.delete(m.handle);
  }

  readyCount(): number {
    return this.readyLive;
  }

  /** Moves hidden messages whose time has come to the visible list. */
  promote(now: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.at <= now) {
      const e = heapPop(h)!;
      const m = e.message;
      if (m.state === 'hidden' && m.version === e.version) this.show(m);
    }
  }

  nextVisibleAt(): number | undefined {
    const h = this.heap;
    while (h.length > 0) {
      const e = h[0]!;
      if (e.message.state === 'hidden' && e.message.version === e.version) return e.at;
      heapPop(h);
    }
    return undefined;
  }

  popReady(random?: () => number): StoredMessage | undefined {
    this.compact();
    if (this.readyLive === 0) return undefined;
    const r = this.ready;
    while (this.readyHead < r.length) {
      // In order, take the front; with `random`, swap a random entry to the front first.
      if (random) {
        const i = this.readyHead + Math.floor(random() * (r.length - this.readyHead));
        const t = r[i]!;
        r[i] = r[this.readyHead]!;
        r[this.readyHead] = t;
      }
      const m = r[this.readyHead++]!;
      if (m.state === 'visible') {
        this.readyLive--;
        m.state = 'hidden';
        return m;
      }
    }
    return undefined;
  }

  removeWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve([]);
    }
    for (const m of this.live.values()) m.state = 'gone';
    this.live.clear();
    this.byHandle.clear();
    this.ready = [];
    this.readyHead = 0;
    this.readyLive = 0;
    this.heap.length = 0;
  }

  /** Drops consumed entries from the front of the visible list once they dominate it. */
  private compact(): void {
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead).filter((m) => m.state === 'visible');
      this.readyHead = 0;
    }
  }
}

function heapPush(h: HeapEntry[], e: HeapEntry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]!.at <= e.at) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = e;
}

function heapPop(h: HeapEntry[]): HeapEntry | undefined {
  const top = h[0];
  const last = h.pop()!;
  if (h.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = l < h.length && h[l]!.at < last.at ? l : -1;
    if (r < h.length && h[r]!.at < (m < 0 ? last.at : h[m]!.at)) m = r;
    if (m < 0) break;
    h[i] = h[m]!;
    i = m;
  }
  h[i] = last;
  return top;
}

function resolveFaults(f: MemoryQueueFaults | undefined): Required<MemoryQueueFaults> {
  const p = (what: string, v: number | undefined) => {
    const x = v ?? 0;
    if (!(x >= 0 && x <= 1))
      throw new QueueError('InvalidParameterValue', `${what} must be from 0 to 1, got ${v}`);
    return x;
  };
  return {
    duplicateProbability: p('duplicateProbability', f?.duplicateProbability),
    emptyReceiveProbability: p('emptyReceiveProbability', f?.emptyReceiveProbability),
    reorder: f?.reorder ?? false,
    seed: f?.seed ?? 1,
  };
}

/** A small seeded PRNG, so fault runs can be repeated. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
