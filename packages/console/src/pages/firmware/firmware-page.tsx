/**
 * Firmware images (GET /firmware; a vendor sees its own): version, file, size, SHA-256,
 * vendor. Who may (admins, operators, vendors) uploads an image, rolls it out to devices
 * by sn, to a site or to a vendor, and follows its progress.
 */
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { useVendors } from '../devices/use-vendors';
import { ProgressDrawer } from './progress-drawer';
import { RolloutModal } from './rollout-modal';
import type { Firmware } from './types';
import { UploadFirmware } from './upload-firmware';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export default function FirmwarePage() {
  const { t } = useTranslation();
  const session = useSession();
  const role = session?.account.role;
  const canManage = role ? accessOf(role).manageFirmware : false;
  const cursor = useCursor();
  const vendors = useVendors();
  const { sites } = useSites();
  const [uploading, setUploading] = useState(false);
  const [rollout, setRollout] = useState<Firmware | null>(null);
  const [progress, setProgress] = useState<Firmware | null>(null);
  const q = useQuery({
    queryKey: ['firmware', 'list', cursor.cursor],
    queryFn: ({ signal }) =>
      api<Page<Firmware>>('GET', '/firmware', { query: { cursor: cursor.cursor, limit: 50 }, signal }),
  });
  const columns: ColumnsType<Firmware> = [
    { title: t('firmware.version'), dataIndex: 'version' },
    { title: t('firmware.file'), dataIndex: 'fileName', responsive: ['md'] },
    { title: t('firmware.size'), dataIndex: 'size', render: bytes },
    {
      title: 'SHA-256',
      dataIndex: 'sha256',
      responsive: ['lg'],
      render: (h: string) => (
        <Typography.Text code copyable={{ text: h }}>
          {h.slice(0, 12)}…
        </Typography.Text>
      ),
    },
    {
      title: t('firmware.vendor'),
      dataIndex: 'vendorId',
      render: (v: string | null) => (v === null ? t('firmware.platformWide') : vendors.nameOf(v)),
    },
    {
      title: t('firmware.created'),
      dataIndex: 'createdAt',
      render: (c: string) => dayjs(c).format('YYYY-MM-DD HH:mm'),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, f) => (
        <Space>
          {canManage && (
            <Button size="small" onClick={() => setRollout(f)}>
              {t('firmware.rollout')}
            </Button>
          )}
          <Button size="small" type="link" onClick={() => setProgress(f)}>
            {t('firmware.progress')}
          </Button>
        </Space>
      ),
    },
  ];
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('firmware.title')}
        </Typography.Title>
        {canManage && (
          <Button type="primary" onClick={() => setUploading(true)}>
            {t('firmware.upload')}
          </Button>
        )}
      </Space>
      <Card>
        {q.error ? (
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <>
            <Table<Firmware>
              data-testid="firmware-table"
              rowKey="firmwareId"
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
      <UploadFirmware
        open={uploading}
        onClose={() => setUploading(false)}
        vendors={role === 'vendor' ? undefined : vendors.options}
      />
      <RolloutModal
        firmware={rollout}
        sites={sites.map((s) => ({ value: s.id, label: s.name }))}
        vendors={role === 'vendor' ? [] : vendors.options}
        onClose={() => setRollout(null)}
        onStarted={(f) => {
          setRollout(null);
          setProgress(f);
        }}
      />
      <ProgressDrawer firmware={progress} onClose={() => setProgress(null)} />
    </Space>
  );
}
