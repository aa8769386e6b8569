/**
 * Presence shared by the nodes of a cluster (issue 16): a device that reconnects to
 * another node stays online (no offline/online pair), and goes offline 60 s after its
 * last request anywhere. Each node keeps its own devices' last-seen times in memory
 * (domain/presence.ts) and hands them to the registry at every presence sweep; the
 * cluster's leader alone asks the registry which devices fell silent everywhere, and
 * marks those offline.
 *
 * MemoryPresenceRegistry is the reference: the shared suite
 * (test/domain/presence-registry.suite.ts) runs on it and on redis/presence.ts.
 */
export interface Arrival {
  /** When the device's online spell began (here, or earlier on another node). */
  since: number;
  /** True when the device was already online on some node: no online event. */
  continued: boolean;
}

export interface Silent {
  deviceId: string;
  lastSeenAt: number;
}

export interface PresenceRegistry {
  /** The device's first request on this node after a silence here. */
  arrive(deviceId: string, at: number): Promise<Arrival>;
  /** Last-seen times (each kept at its maximum across nodes). */
  publish(seen: ReadonlyArray<readonly [deviceId: string, lastSeenAt: number]>): Promise<void>;
  /**
   * Devices whose last request anywhere came before `before`, at most `limit`: removed
   * from the registry (atomically with arrivals) and returned, to be marked offline.
   */
  expire(before: number, limit: number): Promise<Silent[]>;
  /** Last-seen times the registry holds for these devices (undefined: not online). */
  lastSeen(deviceIds: readonly string[]): Promise<Array<number | undefined>>;
}

export class MemoryPresenceRegistry implements PresenceRegistry {
  readonly #seen = new Map<string, number>();
  readonly #since = new Map<string, number>();

  async arrive(deviceId: string, at: number): Promise<Arrival> {
    const prev = this.#seen.get(deviceId);
    this.#seen.set(deviceId, Math.max(prev ?? at, at));
    if (prev === undefined) {
      this.#since.set(deviceId, at);
      return { since: at, continued: false };
    }
    return { since: this.#since.get(deviceId) ?? at, continued: true };
  }

  async publish(seen: ReadonlyArray<readonly [string, number]>): Promise<void> {
    for (const [id, at] of seen) this.#seen.set(id, Math.max(this.#seen.get(id) ?? at, at));
  }

  async expire(before: number, limit: number): Promise<Silent[]> {
    const out: Silent[] = [];
    for (const [deviceId, lastSeenAt] of this.#seen) {
      if (out.length >= limit) break;
      if (lastSeenAt < before) out.push({ deviceId, lastSeenAt });
    }
    for (const s of out) {
      this.#seen.delete(s.deviceId);
      this.#since.delete(s.deviceId);
    }
    return out;
  }

  async lastSeen(deviceIds: readonly string[]): Promise<Array<number | undefined>> {
    return deviceIds.map((id) => this.#seen.get(id));
  }
}
