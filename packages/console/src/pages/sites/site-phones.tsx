/**
 * A site's phone clock-in (移动考勤, issue 14) tab: the entry QR code a site manager prints
 * for the gate (the phone page at /m/; a worker then types the one-time code from their
 * worker page and their ID number's last six), and the site's registered phones with
 * their workers. Codes themselves are made per worker (pages/workers/mobile-code.tsx):
 * one code registers one phone for one worker.
 */
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, QRCode, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, type Page } from '../../api/client';
import { OnlineTag, when } from '../devices/online-tag';
import type { Device } from '../devices/types';

/** Phones beyond this many are listed on the devices page (its site and kind filters). */
const SHOWN = 200;

export function SitePhones({ siteId }: { siteId: string }) {
  const { t } = useTranslation();
  const entry = `${window.location.origin}/m/`;
  const q = useQuery({
    queryKey: ['devices', 'site-phones', siteId],
    queryFn: ({ signal }) =>
      api<Page<Device>>('GET', '/devices', { query: { siteId, kind: 'mobile', limit: SHOWN }, signal }),
  });
  const columns: ColumnsType<Device> = [
    {
      title: t('sitePhones.sn'),
      dataIndex: 'sn',
      render: (sn: string) => <Link to={`/devices/${sn}`}>{sn}</Link>,
    },
    {
      title: t('sitePhones.worker'),
      dataIndex: 'personId',
      render: (personId: string | null | undefined) =>
        personId ? <Link to={`/workers/${personId}`}>{personId}</Link> : '—',
    },
    {
      title: t('sitePhones.status'),
      key: 'status',
      render: (_: unknown, d: Device) => <OnlineTag device={d} />,
    },
    { title: t('sitePhones.registered'), dataIndex: 'createdAt', render: (v: string) => when(v) },
  ];
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('sitePhones.entryTitle')} data-testid="site-phone-entry">
        <Space align="start" size="large" wrap>
          <QRCode value={entry} size={200} errorLevel="M" />
          <Space orientation="vertical" style={{ maxWidth: 520 }}>
            <Typography.Paragraph>{t('sitePhones.entryHelp')}</Typography.Paragraph>
            <Typography.Text copyable code data-testid="site-phone-entry-link">
              {entry}
            </Typography.Text>
            <Typography.Paragraph type="secondary">{t('sitePhones.codesHelp')}</Typography.Paragraph>
          </Space>
        </Space>
      </Card>
      <Card title={t('sitePhones.listTitle')}>
        {q.error ? <Alert type="error" showIcon title={String(q.error)} /> : null}
        <Table<Device>
          rowKey="deviceId"
          size="small"
          loading={q.isPending}
          columns={columns}
          dataSource={q.data?.items ?? []}
          pagination={false}
          data-testid="site-phones"
        />
        {q.data?.nextCursor ? (
          <Typography.Paragraph type="secondary">
            <Link to="/devices">{t('sitePhones.more', { n: SHOWN })}</Link>
          </Typography.Paragraph>
        ) : null}
      </Card>
    </Space>
  );
}
