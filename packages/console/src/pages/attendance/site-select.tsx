/**
 * A site picker fed by GET /sites (the caller's scope: a site manager sees only theirs).
 * The first 500 sites by the list's order, searchable by name; a larger estate types a
 * name to filter (the list's namePrefix).
 */
import { useQuery } from '@tanstack/react-query';
import { Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../api/client';
import type { SiteItem } from './types';

export function useSites(prefix = '') {
  return useQuery({
    queryKey: ['sites', 'picker', prefix],
    queryFn: ({ signal }) =>
      api<Page<SiteItem>>('GET', '/sites', { query: { limit: 500, namePrefix: prefix }, signal }),
  });
}

export function SiteSelect({
  value,
  onChange,
  allowClear,
  id,
  mode,
}: {
  value?: string | string[] | undefined;
  onChange?: (v: string | string[] | undefined) => void;
  allowClear?: boolean;
  id?: string;
  mode?: 'multiple';
}) {
  const { t } = useTranslation();
  const [prefix, setPrefix] = useState('');
  const sites = useSites(prefix);
  return (
    <Select
      id={id}
      mode={mode}
      showSearch={{ filterOption: false, onSearch: setPrefix }}
      allowClear={allowClear}
      value={value}
      onChange={(v: string | string[] | undefined) => onChange?.(v)}
      placeholder={t('attendance.filter.sitePlaceholder')}
      loading={sites.isPending}
      status={sites.error ? 'error' : undefined}
      notFoundContent={sites.error ? t('attendance.filter.sitesFailed') : undefined}
      options={(sites.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
      style={{ minWidth: 200, width: '100%' }}
      data-testid="site-select"
    />
  );
}
