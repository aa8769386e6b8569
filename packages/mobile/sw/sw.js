/**
 * The phone page's service worker (scope /m/), hand-written: the build (vite.config.ts)
 * fills PRECACHE with every file it wrote and a version. It keeps the page usable with
 * no network: the shell, Human's models and the wasm files are cached at install and
 * served cache-first (hashed names and a versioned models folder: a cached copy is
 * never stale). A page GET under /m/ gets the cached index.html when the network fails.
 *
 * It NEVER handles /api: the clock-in queue's sends and the clock must reach the
 * platform or fail as the network fails, and a worker's own fetches are not stopped by
 * a browser's offline emulation, so an answer from here would hide an outage.
 */
const PRECACHE = self.__KAOQIN_PRECACHE__;
const CACHE = `kaoqin-m-${PRECACHE.version}`;
const SCOPE = new URL('./', self.location.href);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One by one, not addAll: a file that fails is retried at the next install
      // rather than throwing away the whole cache.
      for (const f of PRECACHE.files) {
        const url = new URL(f, SCOPE).href;
        if (await cache.match(url)) continue;
        const res = await fetch(url, { cache: 'no-cache' });
        if (!res.ok) throw new Error(`precache ${url}: ${res.status}`);
        await cache.put(url, res);
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith('kaoqin-m-') && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== SCOPE.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/api') return; // never the API
  if (!url.pathname.startsWith(SCOPE.pathname)) return;
  if (req.mode === 'navigate') {
    // The page itself: the network first (a new build is seen at once), the cached
    // shell when it fails.
    event.respondWith(
      fetch(req).catch(async () => {
        const cache = await caches.open(CACHE);
        return (await cache.match(SCOPE.href)) ?? Response.error();
      }),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(url.href);
      return hit ?? fetch(req);
    })(),
  );
});
