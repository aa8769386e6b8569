/**
 * Each site's geofence and tolerance, for the C_SIGN_IN hot path: read once and kept,
 * re-read when older than `maxAgeMs`, so a fence an operator redraws applies within that
 * time without a query per clock-in (as domain/rosters.ts does for enrolled persons).
 */
import type { Store } from '../../store/index.js';
import type { SiteFence } from './fence.js';

interface Cached {
  fence: SiteFence | undefined;
  loadedAt: number;
}

export class SiteFences {
  readonly #store: Pick<Store, 'sites'>;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #cache = new Map<string, Cached>();
  readonly #loading = new Map<string, Promise<Cached>>();

  constructor(store: Pick<Store, 'sites'>, now: () => number = Date.now, maxAgeMs = 30_000) {
    this.#store = store;
    this.#now = now;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The site's fence (geofence null when none drawn); undefined when there is no such site. */
  async fence(siteId: string): Promise<SiteFence | undefined> {
    const hit = this.#cache.get(siteId);
    if (hit && this.#now() - hit.loadedAt < this.#maxAgeMs) return hit.fence;
    return (await this.#load(siteId)).fence;
  }

  /** One read per site at a time: concurrent sign-ins share it. */
  #load(siteId: string): Promise<Cached> {
    let p = this.#loading.get(siteId);
    if (!p) {
      p = this.#store.sites
        .get(siteId)
        .then((site) => {
          const c: Cached = {
            fence: site && { geofence: site.geofence, toleranceMeters: site.fenceToleranceMeters },
            loadedAt: this.#now(),
          };
          this.#cache.set(siteId, c);
          return c;
        })
        .finally(() => this.#loading.delete(siteId));
      this.#loading.set(siteId, p);
    }
    return p;
  }
}
