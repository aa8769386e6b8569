/**
 * The sites the caller may see, for the site filter and the bind form, and their names
 * for the tables. Roles without site access (a vendor) get none: the API would refuse.
 */
import { useQuery } from '@tanstack/react-query';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import type { SiteOption } from './types';

export function useSites(): { sites: SiteOption[]; nameOf: (id: string | null) => string } {
  const session = useSession();
  const allowed = session ? accessOf(session.account.role).sites : false;
  const q = useQuery({
    queryKey: ['sites', 'options'],
    enabled: allowed,
    queryFn: ({ signal }) => api<Page<SiteOption>>('GET', '/sites', { query: { limit: 500 }, signal }),
  });
  const sites = q.data?.items ?? [];
  const names = new Map(sites.map((s) => [s.id, s.name]));
  return { sites, nameOf: (id) => (id === null ? '' : (names.get(id) ?? id)) };
}
