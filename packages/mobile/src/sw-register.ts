/**
 * Registers the service worker (/m/sw.js, scope /m/) so the page opens with no
 * network. Not in development (Vite serves sources, there is no build to cache).
 * Browsers allow it on HTTPS or localhost only.
 */
import { BASE } from './paths';

export function registerServiceWorker(): void {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(`${BASE}sw.js`, { scope: BASE }).catch((err: unknown) => {
      console.warn('service worker not registered', err);
    });
  });
}
