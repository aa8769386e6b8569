/** /api/v1/vendors — not built yet (issue 10). */
import type { ApiApp, ApiDeps } from '../types.js';

export function vendorRoutes(_api: ApiApp, _deps: ApiDeps): void {}
