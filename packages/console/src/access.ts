/**
 * Who sees what, decided in one place (after ant-design-pro's access.ts). Mirrors the
 * management API's role groups (platform/src/api/types.ts `R`): the API enforces them;
 * this only keeps the console from offering what the API would refuse. A site manager's
 * and a vendor's scope (their sites, their devices) is the API's to apply: the console
 * shows what the lists return.
 */
export const ROLES = ['admin', 'operator', 'site_manager', 'vendor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

const SITE_READERS: readonly Role[] = ['admin', 'operator', 'site_manager', 'auditor'];
const SITE_WRITERS: readonly Role[] = ['admin', 'operator', 'site_manager'];
const OPERATORS: readonly Role[] = ['admin', 'operator'];

export interface Access {
  /** Pages: whether the page is in the menu and its route opens. */
  readonly dashboard: boolean;
  readonly sites: boolean;
  readonly devices: boolean;
  readonly workers: boolean;
  readonly attendance: boolean;
  readonly vendors: boolean;
  readonly firmware: boolean;
  readonly accounts: boolean;
  readonly audit: boolean;
  /** Actions. */
  readonly manageSites: boolean;
  readonly changeSiteData: boolean;
  readonly manageDevices: boolean;
  readonly manageVendors: boolean;
  readonly manageFirmware: boolean;
  readonly manageAccounts: boolean;
}

export function accessOf(role: Role): Access {
  const is = (roles: readonly Role[]) => roles.includes(role);
  return {
    dashboard: true,
    sites: is(SITE_READERS),
    devices: true,
    workers: is(SITE_READERS),
    attendance: is(SITE_READERS),
    vendors: is(['admin', 'operator', 'auditor']),
    firmware: is(['admin', 'operator', 'vendor', 'auditor']),
    accounts: role === 'admin',
    audit: is(['admin', 'auditor']),
    manageSites: is(OPERATORS),
    changeSiteData: is(SITE_WRITERS),
    manageDevices: is(SITE_WRITERS),
    manageVendors: is(OPERATORS),
    manageFirmware: is(['admin', 'operator', 'vendor']),
    manageAccounts: role === 'admin',
  };
}

export type PageKey =
  | 'dashboard'
  | 'sites'
  | 'devices'
  | 'workers'
  | 'attendance'
  | 'vendors'
  | 'firmware'
  | 'accounts'
  | 'audit';
