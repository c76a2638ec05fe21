import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  ConditionFailedError,
  checkStateKey,
  encodeStateValue,
  type JsonValue,
  type PutCondition,
  type StateItem,
  type StateStore,
  type VersionCondition,
} from '../../ports/state-store.ts';
import { proxyOverPort, serveOverPort } from './port-rpc.ts';

/**
 * The StateStore on one machine: a map in this thread's memory. Values are kept as JSON text, so a
 * caller never shares objects with the store (as with a real database). Each call checks its
 * condition and writes in one synchronous step, so concurrent conditional writes — from this
 * thread or from workers through `connect()` — serialize, and exactly one of several racing
 * `ifNotExists` puts wins.
 *
 * @example
 * const state = new MemoryStateStore();
 * await state.put('q/1/commit/2/0', { attempt: 1 }, { ifNotExists: true });
 */
export class MemoryStateStore implements StateStore {
  private readonly items = new Map<string, { text: string; version: number }>();

  async get(key: string): Promise<StateItem | undefined> {
    checkStateKey(key);
    const it = this.items.get(key);
    return it ? { key, value: JSON.parse(it.text) as JsonValue, version: it.version } : undefined;
  }

  async put(key: string, value: JsonValue, condition?: PutCondition): Promise<StateItem> {
    checkStateKey(key);
    const text = encodeStateValue(key, value);
    const current = this.items.get(key);
    if (condition) checkCondition(key, condition, current?.version);
    const version = (current?.version ?? 0) + 1;
    this.items.set(key, { text, version });
    return { key, value: JSON.parse(text) as JsonValue, version };
  }

  async delete(key: string, condition?: VersionCondition): Promise<boolean> {
    checkStateKey(key);
    const current = this.items.get(key);
    if (condition) checkCondition(key, condition, current?.version);
    return this.items.delete(key);
  }

  async list(prefix: string): Promise<StateItem[]> {
    const out: StateItem[] = [];
    for (const [key, it] of this.items) {
      if (key.startsWith(prefix))
        out.push({ key, value: JSON.parse(it.text) as JsonValue, version: it.version });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** A port for another thread; there, `stateStoreOverPort(port)` is a StateStore backed by this one. */
  connect(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    serveOverPort(this, port1, STATE_METHODS);
    return port2;
  }
}

function checkCondition(key: string, condition: PutCondition, version: number | undefined): void {
  if ('ifNotExists' in condition) {
    if (version !== undefined) throw new ConditionFailedError(key, 'no item', version);
  } else if (version !== condition.ifVersion) {
    throw new ConditionFailedError(key, `version ${condition.ifVersion}`, version);
  }
}

const STATE_METHODS = ['get', 'put', 'delete', 'list'] as const satisfies readonly (keyof StateStore)[];

/** The StateStore of another thread, reached through a port from `MemoryStateStore.connect()`. */
export function stateStoreOverPort(port: MessagePort): StateStore & { close(): void } {
  return proxyOverPort<StateStore>(port, STATE_METHODS);
}
