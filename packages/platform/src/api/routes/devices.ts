/** /api/v1/devices — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function deviceRoutes(_api: ApiApp, _deps: ApiDeps): void {}
