/**
 * The sites the caller may see (GET /sites; a site manager: theirs), for every site
 * picker and filter, and their names for the tables. The first 500 by the list's order;
 * a larger estate types a name to narrow it (`namePrefix`). Roles without site access
 * (a vendor) ask for none: the API would refuse.
 */
import { useQuery } from '@tanstack/react-query';
import { accessOf } from '../access';
import { api, type Page } from './client';
import { useSession } from './session';

export interface SiteOption {
  id: string;
  name: string;
}

export function useSites(namePrefix = '') {
  const session = useSession();
  const allowed = session ? accessOf(session.account.role).sites : false;
  const query = useQuery({
    queryKey: ['sites', 'options', namePrefix],
    enabled: allowed,
    queryFn: ({ signal }) =>
      api<Page<SiteOption>>('GET', '/sites', { query: { limit: 500, namePrefix }, signal }),
  });
  const sites = query.data?.items ?? [];
  const names = new Map(sites.map((s) => [s.id, s.name]));
  return {
    sites,
    /** The site's name, or its id when it is not among those loaded. */
    nameOf: (id: string | null): string => (id === null ? '' : (names.get(id) ?? id)),
    query,
  };
}
