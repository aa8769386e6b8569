/** /api/v1/attendance — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function attendanceRoutes(_api: ApiApp, _deps: ApiDeps): void {}
