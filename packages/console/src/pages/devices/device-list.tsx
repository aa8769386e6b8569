/**
 * The devices the caller may see (GET /devices, the API scopes by role): sn, vendor,
 * site, kind, direction, live status, version, IP; filtered by site, status, kind and sn
 * prefix; next/previous pages by cursor. Goes live without reload: a device.online or
 * device.offline event refetches the page shown.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Card, Form, Input, Select, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useLiveEvents } from '../../api/live';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { KindLabel } from './kind-label';
import { OnlineTag, when } from './online-tag';
import { DEVICE_KINDS, type Device, type DeviceKind, devicePath } from './types';
import { useVendorNames } from './use-vendors';

interface Filters {
  siteId?: string;
  online?: 'true' | 'false';
  kind?: string;
  sn?: string;
}

export default function DeviceList() {
  const { t } = useTranslation();
  const session = useSession();
  const canSeeSites = session ? accessOf(session.account.role).sites : false;
  const [filters, setFilters] = useState<Filters>({});
  const cursor = useCursor(filters);
  const { sites, nameOf } = useSites();
  const vendorName = useVendorNames();
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['devices', 'list', filters, cursor.cursor],
    // Heartbeats change last seen, version and IP without an event: refresh now and then.
    refetchInterval: 30_000,
    queryFn: ({ signal }) =>
      api<Page<Device>>('GET', '/devices', {
        query: { ...filters, limit: 50, cursor: cursor.cursor },
        signal,
      }),
  });
  useLiveEvents(['device.online', 'device.offline'], () => {
    void client.invalidateQueries({ queryKey: ['devices'] });
  });

  const change = (_: unknown, all: Filters) => {
    setFilters({ ...all, sn: all.sn?.trim() || undefined });
  };

  const columns: ColumnsType<Device> = [
    {
      title: t('devices.sn'),
      dataIndex: 'sn',
      render: (sn: string, d) => <Link to={devicePath(d)}>{sn}</Link>,
    },
    {
      title: t('devices.vendor'),
      dataIndex: 'vendorId',
      render: (v: string) => vendorName(v),
      responsive: ['md'],
    },
    {
      title: t('devices.site'),
      dataIndex: 'siteId',
      render: (s: string | null) =>
        s ? nameOf(s) : <Typography.Text type="secondary">{t('devices.unbound')}</Typography.Text>,
    },
    { title: t('devices.kind'), dataIndex: 'kind', render: (k: DeviceKind) => <KindLabel kind={k} /> },
    {
      title: t('devices.direction'),
      dataIndex: 'direction',
      render: (k: string) => t(`devices.directions.${k}`),
    },
    { title: t('devices.status'), key: 'status', render: (_, d) => <OnlineTag device={d} /> },
    { title: t('devices.lastSeen'), dataIndex: 'lastSeenAt', render: when, responsive: ['lg'] },
    { title: t('devices.version'), dataIndex: 'deviceVersion', render: (v: string | null) => v ?? '—' },
    {
      title: t('devices.ip'),
      dataIndex: 'deviceIp',
      render: (v: string | null) => v ?? '—',
      responsive: ['md'],
    },
  ];

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('devices.title')}
      </Typography.Title>
      <Card>
        <Form<Filters> layout="inline" onValuesChange={change} aria-label={t('devices.filters')}>
          {canSeeSites && (
            <Form.Item name="siteId" label={t('devices.site')}>
              <Select
                allowClear
                style={{ minWidth: 180 }}
                placeholder={t('devices.allSites')}
                options={sites.map((s) => ({ value: s.id, label: s.name }))}
              />
            </Form.Item>
          )}
          <Form.Item name="online" label={t('devices.status')}>
            <Select
              allowClear
              style={{ minWidth: 120 }}
              placeholder={t('devices.any')}
              options={[
                { value: 'true', label: t('devices.online') },
                { value: 'false', label: t('devices.offline') },
              ]}
            />
          </Form.Item>
          <Form.Item name="kind" label={t('devices.kind')}>
            <Select
              allowClear
              style={{ minWidth: 120 }}
              placeholder={t('devices.any')}
              options={DEVICE_KINDS.map((k) => ({ value: k, label: t(`devices.kinds.${k}`) }))}
            />
          </Form.Item>
          <Form.Item name="sn" label={t('devices.snPrefix')}>
            <Input allowClear placeholder={t('devices.snPrefixHint')} />
          </Form.Item>
        </Form>
      </Card>
      <Card>
        {q.error ? (
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <>
            <Table<Device>
              data-testid="device-table"
              rowKey="deviceId"
              loading={q.isPending}
              columns={columns}
              dataSource={q.data?.items ?? []}
              pagination={false}
              scroll={{ x: true }}
              locale={{ emptyText: <EmptyState /> }}
            />
            <CursorPager cursor={cursor} nextCursor={q.data?.nextCursor} />
          </>
        )}
      </Card>
    </Space>
  );
}
