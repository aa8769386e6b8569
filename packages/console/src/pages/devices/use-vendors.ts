/** Vendor names for the device tables, for the roles that may read vendors (else the id). */
import { useQuery } from '@tanstack/react-query';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useSession } from '../../api/session';

interface VendorName {
  vendorId: string;
  name: string;
}

export function useVendorNames(): (id: string) => string {
  return useVendors().nameOf;
}

/** The vendors the caller may read, as options and names (none for roles that may not). */
export function useVendors(): {
  options: { value: string; label: string }[];
  nameOf: (id: string) => string;
} {
  const session = useSession();
  const allowed = session ? accessOf(session.account.role).vendors : false;
  const q = useQuery({
    queryKey: ['vendors', 'options'],
    enabled: allowed,
    queryFn: ({ signal }) => api<Page<VendorName>>('GET', '/vendors', { query: { limit: 500 }, signal }),
  });
  const items = q.data?.items ?? [];
  const names = new Map(items.map((v) => [v.vendorId, v.name]));
  return {
    options: items.map((v) => ({ value: v.vendorId, label: v.name })),
    nameOf: (id) => names.get(id) ?? id,
  };
}
