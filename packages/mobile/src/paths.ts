/**
 * Where the page's own files are: under Vite's base ('/m/'), so the models and wasm
 * come from the platform that served the page, never from a CDN.
 */
export const BASE = import.meta.env.BASE_URL; // '/m/'
export const HUMAN_VERSION = '3.3.6';
export const MODEL_BASE = `${BASE}models/human-${HUMAN_VERSION}/`;
export const WASM_BASE = `${BASE}wasm/`;
/** The phone API (docs/protocol.md §12, docs/mobile.md): outside the management API. */
export const MOBILE_API = '/api/mobile/v1';
