/**
 * A rollout's progress (GET /firmware/{id}/progress): counts by task state and, per
 * device, its task's state, the version it reports and whether that is this image.
 * Polled every 3 s while open, and refetched at once when a device's task finishes
 * (task.finished).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Progress as Bar, Drawer, Space, Statistic, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { useLiveEvents } from '../../api/live';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, QueryState } from '../../components/page-state';
import { TaskStateTag } from '../devices/tasks-panel';
import type { Firmware, Progress, ProgressRow } from './types';

export function ProgressDrawer({ firmware, onClose }: { firmware: Firmware | null; onClose: () => void }) {
  const { t } = useTranslation();
  const id = firmware?.firmwareId;
  // Another image's progress starts at its first page.
  const cursor = useCursor(id);
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['firmware', 'progress', id, cursor.cursor],
    enabled: id !== undefined,
    refetchInterval: 3000,
    queryFn: ({ signal }) =>
      api<Progress>('GET', `/firmware/${id}/progress`, {
        query: { cursor: cursor.cursor, limit: 100 },
        signal,
      }),
  });
  useLiveEvents(['task.finished'], () => {
    if (id) void client.invalidateQueries({ queryKey: ['firmware', 'progress', id] });
  });
  const columns: ColumnsType<ProgressRow> = [
    { title: t('firmware.sn'), dataIndex: 'sn' },
    { title: t('firmware.task'), dataIndex: 'state', render: (s: string) => <TaskStateTag state={s} /> },
    { title: t('firmware.reported'), dataIndex: 'deviceVersion', render: (v: string | null) => v ?? '—' },
    {
      title: t('firmware.installed'),
      dataIndex: 'installed',
      render: (i: boolean) => (
        <Tag color={i ? 'success' : 'default'}>{i ? t('common.yes') : t('common.no')}</Tag>
      ),
    },
    {
      title: t('firmware.online'),
      dataIndex: 'online',
      render: (o: boolean) => (o ? t('common.yes') : t('common.no')),
    },
    { title: t('firmware.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '' },
  ];
  return (
    <Drawer
      open={firmware !== null}
      onClose={onClose}
      size={760}
      title={t('firmware.progressTitle', { version: firmware?.version ?? '' })}
      destroyOnHidden
    >
      <QueryState query={q}>
        {(p) => {
          const total = Object.values(p.states).reduce((a, b) => a + b, 0);
          const done = p.states.done ?? 0;
          return (
            <Space orientation="vertical" style={{ width: '100%' }} data-testid="rollout-progress">
              <Bar percent={total ? Math.round((done / total) * 100) : 0} />
              <Space wrap size="large">
                <Statistic title={t('firmware.devices')} value={total} />
                {Object.entries(p.states).map(([s, n]) => (
                  <Statistic key={s} title={<TaskStateTag state={s} />} value={n} />
                ))}
              </Space>
              <Table<ProgressRow>
                rowKey="deviceId"
                columns={columns}
                dataSource={p.items}
                pagination={false}
                size="small"
                scroll={{ x: true }}
                locale={{ emptyText: <EmptyState /> }}
              />
              <CursorPager cursor={cursor} nextCursor={p.nextCursor} />
            </Space>
          );
        }}
      </QueryState>
    </Drawer>
  );
}
