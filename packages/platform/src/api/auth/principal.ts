/**
 * Who is calling, and what they may see (api.md "Authentication and roles"). Scope is
 * decided here and nowhere else: a site manager sees only the sites given to the
 * account, a vendor only its own devices and firmware; the others see everything.
 */
import type { Role } from '../../store/api-types.js';

export interface Principal {
  accountId: string;
  username: string;
  role: Role;
  siteIds: readonly string[];
  vendorId: string | null;
  /** sha256 of the bearer token: logout ends exactly this session. */
  sessionHash: string;
  ip: string;
}

/** Roles that see every site's data. */
const ALL_SITES: readonly Role[] = ['admin', 'operator', 'auditor'];

/** The sites the caller may see: undefined = all of them. */
export function siteScope(p: Principal): readonly string[] | undefined {
  if (ALL_SITES.includes(p.role)) return undefined;
  if (p.role === 'site_manager') return p.siteIds;
  return [];
}

export function canSeeSite(p: Principal, siteId: string | null | undefined): boolean {
  const scope = siteScope(p);
  if (scope === undefined) return true;
  return siteId !== null && siteId !== undefined && scope.includes(siteId);
}

/** The vendor the caller is confined to: undefined = any vendor. */
export function vendorScope(p: Principal): string | undefined {
  return p.role === 'vendor' ? (p.vendorId ?? '(no vendor)') : undefined;
}
