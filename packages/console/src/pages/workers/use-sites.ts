/**
 * The sites the caller may see (a site manager: theirs), for the site filter, the
 * enrolment's assignment and the import; and their names for the tables.
 */
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../api/client';
import type { SiteOption } from './types';

export function useSites(): { sites: SiteOption[]; nameOf: (id: string | null) => string } {
  const q = useQuery({
    queryKey: ['sites', 'options'],
    queryFn: ({ signal }) => api<Page<SiteOption>>('GET', '/sites', { query: { limit: 500 }, signal }),
  });
  const sites = q.data?.items ?? [];
  const names = new Map(sites.map((s) => [s.id, s.name]));
  return { sites, nameOf: (id) => (id === null ? '' : (names.get(id) ?? id)) };
}
