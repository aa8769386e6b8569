/**
 * The overview per site as an antd Table: every figure of GET /overview, the p95 in red
 * over the 10-second clause, and a last row for devices bound to no site. The overview
 * comes whole (one row per site in scope), so the table pages on the client.
 */
import { Table, type TableColumnsType, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Overview, SiteOverview } from './overview-api';
import { siteLabel } from './overview-api';

const UNASSIGNED = '__unassigned__';

export function SiteTable({ overview }: { overview: Overview }) {
  const { t } = useTranslation();
  const { uploadLimitMs, unassigned } = overview;
  const rows: SiteOverview[] = [...overview.sites];
  if (unassigned.devicesOnline + unassigned.devicesOffline > 0)
    rows.push({ ...unassigned, siteId: UNASSIGNED, name: null, clockInsToday: 0, uploadDelayP95Ms: null });
  const red = (bad: boolean, v: number | string) =>
    bad ? <Typography.Text type="danger">{v}</Typography.Text> : v;
  const columns: TableColumnsType<SiteOverview> = [
    {
      title: t('dashboard.site'),
      key: 'site',
      render: (_, s) => (s.siteId === UNASSIGNED ? <i>{t('dashboard.unassigned')}</i> : siteLabel(s)),
    },
    { title: t('dashboard.online'), dataIndex: 'devicesOnline', align: 'right' },
    {
      title: t('dashboard.offline'),
      dataIndex: 'devicesOffline',
      align: 'right',
      render: (v: number) => red(v > 0, v),
    },
    {
      title: t('dashboard.clockInsToday'),
      dataIndex: 'clockInsToday',
      align: 'right',
      render: (v: number, s) => (s.siteId === UNASSIGNED ? '—' : v),
    },
    {
      title: t('dashboard.p95', { limit: uploadLimitMs / 1000 }),
      dataIndex: 'uploadDelayP95Ms',
      align: 'right',
      responsive: ['md'],
      render: (v: number | null) =>
        v === null ? '—' : red(v > uploadLimitMs, `${(v / 1000).toFixed(1)} ${t('dashboard.seconds')}`),
    },
    {
      title: t('dashboard.failures'),
      dataIndex: 'distributionFailures',
      align: 'right',
      responsive: ['md'],
      render: (v: number) => red(v > 0, v),
    },
    {
      title: t('dashboard.differences'),
      dataIndex: 'devicesWithDifferences',
      align: 'right',
      responsive: ['md'],
      render: (v: number) => red(v > 0, v),
    },
  ];
  return (
    <Table<SiteOverview>
      data-testid="site-table"
      rowKey="siteId"
      size="small"
      columns={columns}
      dataSource={rows}
      pagination={rows.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      scroll={{ x: true }}
      locale={{ emptyText: t('dashboard.noSites') }}
    />
  );
}
