/**
 * Who is enrolled on each site, for the C_SIGN_IN hot path: a clock-in by a personId the
 * site does not know is kept but flagged `unknown_person` (D9), and looking that up in
 * the database for every sign-in would cost a query each. Each site's active person ids
 * are held in memory, loaded on first use and reloaded when older than `maxAgeMs`, and
 * also on a miss once `missReloadMs` has passed: a person enrolled a moment ago (by this
 * process or the CLI) is known within that time, while a device sending unknown ids cannot
 * make the platform reload more than once per `missReloadMs` per site.
 */
import type { Store } from '../store/index.js';

interface SiteIds {
  ids: Set<string>;
  loadedAt: number;
}

export class SiteRosters {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #missReloadMs: number;
  readonly #sites = new Map<string, SiteIds>();
  readonly #loading = new Map<string, Promise<SiteIds>>();

  constructor(store: Store, now: () => number = Date.now, maxAgeMs = 30_000, missReloadMs = 1000) {
    this.#store = store;
    this.#now = now;
    this.#maxAgeMs = maxAgeMs;
    this.#missReloadMs = missReloadMs;
  }

  async has(siteId: string, personId: string): Promise<boolean> {
    const now = this.#now();
    let site = this.#sites.get(siteId);
    if (!site || now - site.loadedAt >= this.#maxAgeMs) site = await this.#load(siteId);
    if (site.ids.has(personId)) return true;
    if (now - site.loadedAt >= this.#missReloadMs) site = await this.#load(siteId);
    return site.ids.has(personId);
  }

  /** One load per site at a time: concurrent sign-ins share it. */
  #load(siteId: string): Promise<SiteIds> {
    let p = this.#loading.get(siteId);
    if (!p) {
      p = this.#store.persons
        .activeIdsOfSite(siteId)
        .then((ids) => {
          const site = { ids: new Set(ids), loadedAt: this.#now() };
          this.#sites.set(siteId, site);
          return site;
        })
        .finally(() => this.#loading.delete(siteId));
      this.#loading.set(siteId, p);
    }
    return p;
  }
}
