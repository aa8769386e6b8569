/**
 * The device's upload delay: p95 of (received − made) over its latest 200 clock-ins
 * (GET /attendance?deviceId=, latencyMs), against the standard's 10 s.
 */
import { useQuery } from '@tanstack/react-query';
import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../api/client';

const LIMIT_MS = 10_000;

export function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
}

export function UploadDelay({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['devices', 'delay', deviceId],
    queryFn: ({ signal }) =>
      api<Page<{ latencyMs: number | null }>>('GET', '/attendance', {
        query: { deviceId, limit: 200 },
        signal,
      }),
  });
  if (q.isPending) return <span>…</span>;
  if (q.error) return <span>{t('devices.delayUnknown')}</span>;
  const values = (q.data?.items ?? []).map((r) => r.latencyMs).filter((v): v is number => v !== null);
  const v = p95(values);
  if (v === null) return <span>{t('devices.noClockIns')}</span>;
  return (
    <Tag color={v <= LIMIT_MS ? 'success' : 'error'}>
      {t('devices.delayP95', { s: (v / 1000).toFixed(1), n: values.length })}
    </Tag>
  );
}
