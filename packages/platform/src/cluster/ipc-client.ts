/**
 * A worker's side of the IPC of `serve --workers` without Redis (cluster/ipc-protocol.ts):
 * calls on the state its primary holds, and the bus its primary relays. Each adapter
 * below implements the same interface as its Redis twin and passes the same suite.
 *
 * A call the primary has not answered within `timeoutMs` fails (the device gets a
 * server error and retries, as when Redis does not answer). The primary is on the same
 * machine and does little else, so that means it is stuck or gone.
 */
import { FACE_MATCH_THRESHOLD, FacePoolBusyError, faceSimilarity } from '@kaoqin/faces';
import type { Arrival, PresenceRegistry, Silent } from '../domain/presence-registry.js';
import type { TokenRecord, TokenStore } from '../domain/tokens.js';
import type { CardFaces, FacePhotoVerdicts, FaceService } from '../enrolment/face-service.js';
import type { Bus } from './bus.js';
import type { Endpoint, PortName, SharedPorts, ToPrimary, ToWorker } from './ipc-protocol.js';
import { isOurs } from './ipc-protocol.js';

type Pending = { resolve(v: unknown): void; reject(err: Error): void; timer: NodeJS.Timeout };

/** Errors callers tell apart by class, rebuilt from the name the primary sends. */
function revive(name: string, message: string): Error {
  const err = name === 'FacePoolBusyError' ? new FacePoolBusyError(0) : new Error(message);
  err.message = message;
  return err;
}

/** Distributes a message to every member of a union (Omit on a union would merge them). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class IpcClient {
  readonly #endpoint: Endpoint<ToPrimary, unknown>;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  readonly #handlers = new Map<string, (message: string) => void>();
  readonly #stop: () => void;
  #nextId = 1;

  constructor(endpoint: Endpoint<ToPrimary, unknown>, opts: { timeoutMs?: number } = {}) {
    this.#endpoint = endpoint;
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
    this.#stop = endpoint.listen((m) => {
      if (isOurs(m)) this.#receive(m as ToWorker);
    });
  }

  /** Calls a method of the primary's shared state. */
  call<P extends PortName, M extends keyof SharedPorts[P] & string>(
    port: P,
    method: M,
    args: SharedPorts[P][M] extends (...a: infer A) => unknown ? A : never,
    timeoutMs?: number,
  ): Promise<SharedPorts[P][M] extends (...a: never[]) => Promise<infer R> ? R : never> {
    return this.request({ kq: 'call', port, method, args }, timeoutMs) as never;
  }

  request(m: WithoutId<ToPrimary>, timeoutMs = this.#timeoutMs): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the primary process did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        this.#endpoint.send({ ...m, id } as ToPrimary);
      } catch (err) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  onMessage(channel: string, handler: ((message: string) => void) | undefined): void {
    if (handler) this.#handlers.set(channel, handler);
    else this.#handlers.delete(channel);
  }

  close(): void {
    this.#stop();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the IPC client closed'));
    }
    this.#pending.clear();
  }

  #receive(m: ToWorker): void {
    if (m.kq === 'message') {
      this.#handlers.get(m.channel)?.(m.message);
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return; // answered after its timeout
    this.#pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.value);
    else p.reject(revive(m.name, m.message));
  }
}

export class IpcBus implements Bus {
  readonly #ipc: IpcClient;

  constructor(ipc: IpcClient) {
    this.#ipc = ipc;
  }

  async publish(channel: string, message: string): Promise<number> {
    return (await this.#ipc.request({ kq: 'publish', channel, message })) as number;
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.#ipc.onMessage(channel, handler);
    await this.#ipc.request({ kq: 'subscribe', channel });
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#ipc.onMessage(channel, undefined);
    await this.#ipc.request({ kq: 'unsubscribe', channel });
  }

  close(): void {}
}

export class IpcTokenStore implements TokenStore {
  readonly #ipc: IpcClient;

  constructor(ipc: IpcClient) {
    this.#ipc = ipc;
  }

  issue(record: TokenRecord): Promise<void> {
    return this.#ipc.call('tokens', 'issue', [record]);
  }

  use(token: string, now: number): Promise<TokenRecord | undefined> {
    return this.#ipc.call('tokens', 'use', [token, now]);
  }

  sweep(now: number): Promise<number> {
    return this.#ipc.call('tokens', 'sweep', [now]);
  }

  size(): Promise<number> {
    return this.#ipc.call('tokens', 'size', []);
  }
}

export class IpcPresenceRegistry implements PresenceRegistry {
  readonly #ipc: IpcClient;

  constructor(ipc: IpcClient) {
    this.#ipc = ipc;
  }

  arrive(deviceId: string, at: number): Promise<Arrival> {
    return this.#ipc.call('presence', 'arrive', [deviceId, at]);
  }

  publish(seen: ReadonlyArray<readonly [string, number]>): Promise<void> {
    return this.#ipc.call('presence', 'publish', [seen]);
  }

  expire(before: number, limit: number): Promise<Silent[]> {
    return this.#ipc.call('presence', 'expire', [before, limit]);
  }

  lastSeen(deviceIds: readonly string[]): Promise<Array<number | undefined>> {
    return this.#ipc.call('presence', 'lastSeen', [deviceIds]);
  }
}

/**
 * The face detector of a worker of serve --workers: its primary's (one model on the
 * machine). A check waits in the primary's pool queue, which is bounded (a full one
 * refuses at once with FacePoolBusyError, rebuilt here), and the first check may load the
 * model: the calls get FACE_CALL_MS, not the 2 s of a token lookup.
 */
export class IpcFaceService implements FaceService {
  readonly #ipc: IpcClient;
  readonly defaultThreshold = FACE_MATCH_THRESHOLD;
  readonly similarity = faceSimilarity;

  constructor(ipc: IpcClient) {
    this.#ipc = ipc;
  }

  checkPhoto(bytes: Uint8Array, field: string, embedding: boolean): Promise<FacePhotoVerdicts> {
    return this.#ipc.call('faces', 'checkPhoto', [bytes, field, embedding], FACE_CALL_MS);
  }

  cardFaces(bytes: Uint8Array): Promise<CardFaces> {
    return this.#ipc.call('faces', 'cardFaces', [bytes], FACE_CALL_MS);
  }

  warm(): Promise<void> {
    return this.#ipc.call('faces', 'warm', [], FACE_CALL_MS);
  }

  /** The primary's pool is the primary's to close. */
  async close(): Promise<void> {}
}

/** Longest wait for a face call: a model load plus a full queue's worth of checks. */
export const FACE_CALL_MS = 120_000;
