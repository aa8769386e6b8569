/** The device's event log (GET /devices/{sn}/events), newest first. */
import { useQuery } from '@tanstack/react-query';
import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../api/client';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { when } from './online-tag';
import type { DeviceEvent } from './types';

/** The kinds the catalogue names (platform/src/store/row-types.ts DeviceEventKind). */
const EVENT_KINDS = ['registered', 'online', 'offline', 'auth_failed', 'disabled', 'enabled'];

export function EventsPanel({ sn }: { sn: string }) {
  const { t } = useTranslation();
  const cursor = useCursor(sn);
  const q = useQuery({
    queryKey: ['devices', 'events', sn, cursor.cursor],
    queryFn: ({ signal }) =>
      api<Page<DeviceEvent>>('GET', `/devices/${encodeURIComponent(sn)}/events`, {
        query: { cursor: cursor.cursor, limit: 50 },
        signal,
      }),
  });
  if (q.error) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const columns: ColumnsType<DeviceEvent> = [
    { title: t('devices.at'), dataIndex: 'at', render: when },
    {
      title: t('devices.event'),
      dataIndex: 'kind',
      render: (k: string) => <Tag>{EVENT_KINDS.includes(k) ? t(`devices.eventKinds.${k}`) : k}</Tag>,
    },
    { title: t('devices.code'), dataIndex: 'code', render: (c: string | null) => c ?? '' },
    { title: t('devices.detail'), dataIndex: 'detail', render: (c: string | null) => c ?? '' },
  ];
  return (
    <>
      <Table<DeviceEvent>
        rowKey="eventId"
        loading={q.isPending}
        columns={columns}
        dataSource={q.data?.items ?? []}
        pagination={false}
        size="small"
        scroll={{ x: true }}
        locale={{ emptyText: <EmptyState /> }}
      />
      <CursorPager cursor={cursor} nextCursor={q.data?.nextCursor} />
    </>
  );
}
