/**
 * Request counting for the statistics (requests and spool bytes per query): wrappers of the
 * BlobStore and MessageQueue ports that count calls and bytes and otherwise pass through.
 *
 * @example
 * const counts = newRequestCounts();
 * const store = countingBlobStore(openBlobStore(spool), counts);
 * await store.get(key, range); // counts.get === 1, counts.bytesRead === range.length
 */
import type { BlobInfo, BlobStore, BlobWriter, ByteRange } from '../ports/blob-store.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { RequestCounts } from './events.ts';

export interface IoCounts extends RequestCounts {
  bytesRead: number;
  bytesWritten: number;
}

export function newRequestCounts(): IoCounts {
  return { get: 0, put: 0, list: 0, delete: 0, send: 0, receive: 0, ack: 0, bytesRead: 0, bytesWritten: 0 };
}

/** Adds `b`'s counts to `a`. */
export function addCounts(a: RequestCounts, b: RequestCounts): void {
  a.get += b.get;
  a.put += b.put;
  a.list += b.list;
  a.delete += b.delete;
  a.send += b.send;
  a.receive += b.receive;
  a.ack += b.ack;
}

/** `store`, counting its requests (a streamed write counts as one PUT) and bytes into `c`. */
export function countingBlobStore(store: BlobStore, c: IoCounts): BlobStore {
  const counted: BlobStore = {
    async put(key: string, body: Uint8Array) {
      c.put++;
      c.bytesWritten += body.length;
      return store.put(key, body);
    },
    async createWriter(key: string): Promise<BlobWriter> {
      const w = await store.createWriter(key);
      return {
        async write(chunk: Uint8Array) {
          c.bytesWritten += chunk.length;
          return w.write(chunk);
        },
        async commit() {
          c.put++;
          return w.commit();
        },
        abort: () => w.abort(),
      };
    },
    async get(key: string, range?: ByteRange) {
      c.get++;
      const bytes = await store.get(key, range);
      c.bytesRead += bytes.length;
      return bytes;
    },
    head: (key: string) => store.head(key),
    async *list(prefix: string): AsyncIterable<BlobInfo> {
      c.list++;
      yield* store.list(prefix);
    },
    async delete(keys: readonly string[]) {
      if (keys.length > 0) c.delete++;
      return store.delete(keys);
    },
    describe: (key?: string) => store.describe(key),
  };
  if (store.putIfAbsent) {
    const putIfAbsent = store.putIfAbsent.bind(store);
    counted.putIfAbsent = async (key, body) => {
      c.put++;
      c.bytesWritten += body.length;
      return putIfAbsent(key, body);
    };
  }
  return counted;
}

/** `queue`, counting sends, receives and deletes (a batch counts once) into `c`. */
export function countingQueue(queue: MessageQueue, c: RequestCounts): MessageQueue {
  return {
    createQueue: (n, o) => queue.createQueue(n, o),
    deleteQueue: (n) => queue.deleteQueue(n),
    send(n, m) {
      c.send++;
      return queue.send(n, m);
    },
    sendBatch(n, e) {
      c.send++;
      return queue.sendBatch(n, e);
    },
    receive(n, o) {
      c.receive++;
      return queue.receive(n, o);
    },
    delete(n, h) {
      c.ack++;
      return queue.delete(n, h);
    },
    deleteBatch(n, e) {
      c.ack++;
      return queue.deleteBatch(n, e);
    },
    changeVisibility: (n, h, t) => queue.changeVisibility(n, h, t),
    stats: (n) => queue.stats(n),
  };
}
