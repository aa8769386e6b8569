/**
 * Where the worker stands on each device of each site (GET /persons/{id}/distribution):
 * expected or not, the state (pending, on device, failed, refused, removing, removed) and
 * why it failed. Refetched on every distribution.changed event naming the person (or
 * naming no one: a big change lists counts only), so it moves to "on device" without a
 * reload.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { useLiveEvents } from '../../api/live';
import { QueryState } from '../../components/page-state';
import type { DistributionItem, DistributionState } from './types';

const COLOR: Record<DistributionState, string> = {
  pending: 'blue',
  on_device: 'green',
  failed: 'red',
  refused: 'volcano',
  removing: 'gold',
  removed: 'default',
};

export function DistributionTable({
  personId,
  nameOf,
}: {
  personId: string;
  nameOf: (id: string | null) => string;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const key = ['persons', personId, 'distribution'];
  const q = useQuery({
    queryKey: key,
    queryFn: ({ signal }) =>
      api<{ personId: string; items: DistributionItem[] }>('GET', `/persons/${personId}/distribution`, {
        signal,
      }),
  });
  useLiveEvents(['distribution.changed'], (e) => {
    const ids = e.data.personIds;
    if (!Array.isArray(ids) || ids.includes(personId)) void client.invalidateQueries({ queryKey: key });
  });
  return (
    <QueryState query={q}>
      {(d) => (
        <Table<DistributionItem>
          size="small"
          rowKey="deviceId"
          pagination={false}
          scroll={{ x: true }}
          dataSource={d.items}
          data-testid="distribution"
          locale={{ emptyText: t('workers.dist.none') }}
          columns={[
            { title: t('workers.site'), dataIndex: 'siteId', render: (s: string | null) => nameOf(s) },
            {
              title: t('workers.dist.device'),
              dataIndex: 'sn',
              render: (sn: string | null, r) => sn ?? r.deviceId,
            },
            {
              title: t('workers.dist.state'),
              dataIndex: 'state',
              render: (s: DistributionState) => (
                <Tag color={COLOR[s]} data-state={s}>
                  {t(`workers.dist.states.${s}`)}
                </Tag>
              ),
            },
            {
              title: t('workers.dist.expected'),
              dataIndex: 'expected',
              responsive: ['md'],
              render: (v: boolean) => (v ? t('common.yes') : t('common.no')),
            },
            { title: t('workers.dist.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '' },
            {
              title: t('workers.dist.updatedAt'),
              dataIndex: 'updatedAt',
              responsive: ['md'],
              render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm:ss'),
            },
          ]}
        />
      )}
    </QueryState>
  );
}
