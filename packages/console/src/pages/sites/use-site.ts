/**
 * One site read and changed: GET /sites/{id}, and PATCH with the etag read as If-Match
 * (api.md "Changing a site"). A 412 means someone else saved in between: the user is
 * told so, the site is read again, and the change is theirs to redo on fresh data.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { Site, SiteInput } from './types';

export const siteKey = (id: string) => ['sites', 'one', id] as const;

export function useSite(id: string) {
  return useQuery({
    queryKey: siteKey(id),
    queryFn: ({ signal }) => api<Site>('GET', `/sites/${encodeURIComponent(id)}`, { signal }),
  });
}

/** Shows an API refusal: its title, detail and the fields it names. */
export function problemText(err: unknown): string {
  if (!(err instanceof ApiProblem)) return String((err as Error)?.message ?? err);
  const fields = err.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return [err.title, err.detail, fields].filter(Boolean).join(' — ');
}

export function usePatchSite(site: Site | undefined) {
  const qc = useQueryClient();
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  return useMutation({
    mutationFn: (patch: SiteInput) =>
      api<Site>('PATCH', `/sites/${encodeURIComponent(site!.id)}`, {
        body: patch,
        headers: { 'If-Match': site!.etag },
      }),
    onSuccess: (s) => {
      qc.setQueryData(siteKey(s.id), s);
      void qc.invalidateQueries({ queryKey: ['sites', 'list'] });
      void message.success(t('common.saved'));
    },
    onError: (err) => {
      if (err instanceof ApiProblem && err.status === 412) {
        modal.warning({ title: t('sites.stale.title'), content: t('sites.stale.detail') });
        void qc.invalidateQueries({ queryKey: siteKey(site!.id) });
        return;
      }
      void message.error(problemText(err));
    },
  });
}
