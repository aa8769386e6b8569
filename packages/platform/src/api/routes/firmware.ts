/** /api/v1/firmware — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function firmwareRoutes(_api: ApiApp, _deps: ApiDeps): void {}
