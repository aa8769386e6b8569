/** /api/v1/events — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function eventRoutes(_api: ApiApp, _deps: ApiDeps): void {}
