/**
 * What the platform expects on the device against what it holds (GET
 * /devices/{sn}/distribution): counts by state, the device's reported counts, open
 * reconciliation differences, and the per-person rows with each failure's reason,
 * filterable by state.
 */
import { useQuery } from '@tanstack/react-query';
import { Select, Space, Statistic, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, QueryState } from '../../components/page-state';
import { when } from './online-tag';
import type { Distribution, DistributionRow, DistributionState } from './types';

const STATES: DistributionState[] = ['pending', 'on_device', 'failed', 'refused', 'removing', 'removed'];
const COLOR: Record<DistributionState, string> = {
  pending: 'processing',
  on_device: 'success',
  failed: 'error',
  refused: 'warning',
  removing: 'default',
  removed: 'default',
};

export function DistributionPanel({ sn }: { sn: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<DistributionState | undefined>();
  const cursor = useCursor([sn, state]);
  const q = useQuery({
    queryKey: ['devices', 'distribution', sn, state, cursor.cursor],
    queryFn: ({ signal }) =>
      api<Distribution>('GET', `/devices/${encodeURIComponent(sn)}/distribution`, {
        query: { state, cursor: cursor.cursor, limit: 50 },
        signal,
      }),
  });
  const columns: ColumnsType<DistributionRow> = [
    { title: t('devices.person'), dataIndex: 'personId' },
    {
      title: t('devices.state'),
      dataIndex: 'state',
      render: (s: DistributionState) => <Tag color={COLOR[s]}>{t(`devices.states.${s}`)}</Tag>,
    },
    { title: t('devices.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '' },
    { title: t('devices.updated'), dataIndex: 'updatedAt', render: when, responsive: ['md'] },
  ];
  return (
    <QueryState query={q}>
      {(d) => (
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="distribution">
          <Space wrap size="large">
            <Statistic title={t('devices.expected')} value={d.expectedPersons} />
            <Statistic title={t('devices.states.on_device')} value={d.states.on_device} />
            <Statistic title={t('devices.states.pending')} value={d.states.pending} />
            <Statistic title={t('devices.states.failed')} value={d.states.failed + d.states.refused} />
            <Statistic title={t('devices.reportedPersons')} value={d.reportedPersonCount ?? '—'} />
            <Statistic title={t('devices.capacity')} value={d.faceCapacity} />
            <Statistic
              title={t('devices.differences')}
              value={t('devices.missingExtra', d.openDifferences)}
            />
          </Space>
          <Select
            allowClear
            aria-label={t('devices.state')}
            style={{ minWidth: 160 }}
            placeholder={t('devices.allStates')}
            value={state}
            onChange={(v: DistributionState | undefined) => setState(v)}
            options={STATES.map((s) => ({ value: s, label: t(`devices.states.${s}`) }))}
          />
          <Table<DistributionRow>
            rowKey="personId"
            columns={columns}
            dataSource={d.items}
            pagination={false}
            size="small"
            scroll={{ x: true }}
            locale={{ emptyText: <EmptyState /> }}
          />
          <CursorPager cursor={cursor} nextCursor={d.nextCursor} />
        </Space>
      )}
    </QueryState>
  );
}
