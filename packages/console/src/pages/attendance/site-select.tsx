/**
 * A site picker over the caller's sites (api/sites.ts: a site manager sees only theirs),
 * searchable by name: typing asks the list for that name prefix, so a larger estate
 * than the first 500 is reachable.
 */
import { Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSites } from '../../api/sites';

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
  const { sites, query } = useSites(prefix);
  return (
    <Select
      id={id}
      mode={mode}
      showSearch={{ filterOption: false, onSearch: setPrefix }}
      allowClear={allowClear}
      value={value}
      onChange={(v: string | string[] | undefined) => onChange?.(v)}
      placeholder={t('attendance.filter.sitePlaceholder')}
      loading={query.isPending}
      status={query.error ? 'error' : undefined}
      notFoundContent={query.error ? t('attendance.filter.sitesFailed') : undefined}
      options={sites.map((s) => ({ value: s.id, label: s.name }))}
      style={{ minWidth: 200, width: '100%' }}
      data-testid="site-select"
    />
  );
}
