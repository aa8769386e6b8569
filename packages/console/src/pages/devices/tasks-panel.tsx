/** The device's task history, newest first (GET /tasks?deviceId=). */
import { useQuery } from '@tanstack/react-query';
import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { api, type Page } from '../../api/client';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { when } from './online-tag';
import type { Device, Task } from './types';

/** The states the catalogue names (platform/src/api/routes/tasks.ts). */
const TASK_STATES = [
  'queued',
  'offered',
  'fetched',
  'done',
  'failed',
  'unsupported',
  'expired',
  'superseded',
  'cancelled',
];

const COLOR: Record<string, string> = {
  queued: 'default',
  offered: 'processing',
  fetched: 'processing',
  done: 'success',
  failed: 'error',
  unsupported: 'warning',
  expired: 'warning',
};

export function TaskStateTag({ state }: { state: string }) {
  const { t } = useTranslation();
  const label = TASK_STATES.includes(state) ? t(`devices.taskStates.${state}`) : state;
  return <Tag color={COLOR[state] ?? 'default'}>{label}</Tag>;
}

export function TasksPanel({ device, apicode }: { device: Pick<Device, 'deviceId'>; apicode?: string }) {
  const { t } = useTranslation();
  const cursor = useCursor([device.deviceId, apicode]);
  const q = useQuery({
    queryKey: ['devices', 'tasks', device.deviceId, apicode, cursor.cursor],
    queryFn: ({ signal }) =>
      api<Page<Task>>('GET', '/tasks', {
        query: { deviceId: device.deviceId, apicode, cursor: cursor.cursor, limit: 20 },
        signal,
      }),
  });
  if (q.error) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const columns: ColumnsType<Task> = [
    { title: t('devices.taskId'), dataIndex: 'taskId', responsive: ['md'] },
    { title: t('devices.apicode'), dataIndex: 'apicode' },
    { title: t('devices.state'), dataIndex: 'state', render: (s: string) => <TaskStateTag state={s} /> },
    { title: t('devices.persons'), dataIndex: 'total', render: (n: number | null) => n ?? '' },
    { title: t('devices.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '' },
    { title: t('devices.created'), dataIndex: 'createdAt', render: when },
    { title: t('devices.finished'), dataIndex: 'finishedAt', render: when, responsive: ['md'] },
  ];
  return (
    <>
      <Table<Task>
        data-testid="task-table"
        rowKey="taskId"
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
