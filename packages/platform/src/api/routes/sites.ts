/** /api/v1/sites — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function siteRoutes(_api: ApiApp, _deps: ApiDeps): void {}
