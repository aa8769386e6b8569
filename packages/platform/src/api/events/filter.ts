/**
 * Which events a caller's stream carries: by role, by scope, by what it asked for.
 * - admin, operator, auditor: every event; a site manager: the events of its sites
 *   only; a vendor: the events of its own devices, and never clock-ins (a vendor reads
 *   no attendance through the API either).
 * - `?types=` narrows to some types (a type the role may never see is a 403), `?siteId=`
 *   to one site (a site outside the caller's scope is a 404, as for any resource).
 */
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEventType } from '../../domain/live/types.js';
import type { Role } from '../../store/api-types.js';
import { type Principal, siteScope, vendorScope } from '../auth/principal.js';
import { forbidden, invalid } from '../problems.js';

const VENDOR_TYPES: readonly LiveEventType[] = LIVE_EVENT_TYPES.filter((t) => t !== 'attendance.created');

export function typesOfRole(role: Role): readonly LiveEventType[] {
  return role === 'vendor' ? VENDOR_TYPES : LIVE_EVENT_TYPES;
}

/** `?types=a,b` as the set of types to stream; absent or blank: every type the role may see. */
export function parseTypes(raw: string | undefined, role: Role): Set<LiveEventType> {
  const allowed = typesOfRole(role);
  if (raw === undefined || raw.trim() === '') return new Set(allowed);
  const out = new Set<LiveEventType>();
  for (const part of raw.split(',')) {
    const t = part.trim();
    if (t === '') continue;
    if (!(LIVE_EVENT_TYPES as readonly string[]).includes(t))
      throw invalid(
        'query.types',
        `unknown event type "${t.slice(0, 40)}"; known: ${LIVE_EVENT_TYPES.join(', ')}`,
      );
    if (!allowed.includes(t as LiveEventType))
      throw forbidden({ en: `the ${role} role may not watch ${t}`, zh: `角色 ${role} 无权订阅 ${t}` });
    out.add(t as LiveEventType);
  }
  return out.size > 0 ? out : new Set(allowed);
}

/** The stream's predicate, built once: a few set lookups per event. */
export function eventFilter(
  p: Principal,
  types: Set<LiveEventType>,
  siteId: string | undefined,
): (ev: LiveEvent) => boolean {
  const vendor = vendorScope(p);
  // A vendor is confined by its devices, not by sites (siteScope gives it none).
  const scope = vendor === undefined ? siteScope(p) : undefined;
  const sites = siteId !== undefined ? new Set([siteId]) : scope !== undefined ? new Set(scope) : undefined;
  return (ev) =>
    types.has(ev.type) &&
    (sites === undefined || (ev.siteId !== null && sites.has(ev.siteId))) &&
    (vendor === undefined || ev.vendorId === vendor);
}
