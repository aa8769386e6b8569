/** /api/v1/imports — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function importRoutes(_api: ApiApp, _deps: ApiDeps): void {}
