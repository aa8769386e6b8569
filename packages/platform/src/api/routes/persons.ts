/** /api/v1/persons — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function personRoutes(_api: ApiApp, _deps: ApiDeps): void {}
