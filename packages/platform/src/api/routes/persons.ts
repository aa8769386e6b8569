/**
 * /api/v1/persons: workers as platform-wide identities (enrolled once by ID number) and
 * their site assignments, with PIPL's masking, audited reveal, signed photo URLs and
 * erasure; and /api/v1/sites/{siteId}/persons, a site's roster. One file per concern
 * under persons/.
 */
import type { ApiApp, ApiDeps } from '../types.js';
import { assignmentRoutes } from './persons/assignments.js';
import { personCardRoutes } from './persons/card.js';
import { personIdentityRoutes } from './persons/identity.js';
import { personIrisRoutes } from './persons/iris.js';
import { personReadRoutes } from './persons/read.js';
import { personWriteRoutes } from './persons/write.js';

/** PATCH bodies may say they are merge patches (RFC 7396); parsed as the JSON they are. */
function acceptMergePatch(api: ApiApp): void {
  const type = 'application/merge-patch+json';
  if (!api.hasContentTypeParser(type))
    api.addContentTypeParser(type, { parseAs: 'string' }, api.getDefaultJsonParser('error', 'error'));
}

export function personRoutes(api: ApiApp, deps: ApiDeps): void {
  acceptMergePatch(api);
  personReadRoutes(api, deps);
  personWriteRoutes(api, deps);
  personIdentityRoutes(api, deps);
  personCardRoutes(api, deps);
  personIrisRoutes(api, deps);
  assignmentRoutes(api, deps);
}
