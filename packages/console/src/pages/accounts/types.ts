/** An account as GET /accounts shows it (docs/api.md "Roles"). */
import type { Role } from '../../access';

export interface AccountRow {
  username: string;
  role: Role;
  siteIds: string[];
  vendorId: string | null;
  disabled: boolean;
  locked: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface VendorItem {
  vendorId: string;
  name: string;
}
