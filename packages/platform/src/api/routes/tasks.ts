/** /api/v1/tasks — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function taskRoutes(_api: ApiApp, _deps: ApiDeps): void {}
