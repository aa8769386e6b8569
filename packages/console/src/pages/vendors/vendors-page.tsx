/**
 * Vendors (GET /vendors): name, accessId, status, secret version, RSA key. Operators
 * create one (its credentials shown once), rotate its secret (the new one shown once),
 * revoke it (after a confirmation: its devices are refused at once) and set its public
 * key; auditors read.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf } from '../../access';
import { ApiProblem, api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { CreateVendor } from './create-vendor';
import { CredentialsModal } from './credentials-modal';
import { PublicKeyModal } from './public-key-modal';
import type { Vendor, VendorCredentials } from './types';

export default function VendorsPage() {
  const { t } = useTranslation();
  const { modal, message } = App.useApp();
  const session = useSession();
  const canManage = session ? accessOf(session.account.role).manageVendors : false;
  const client = useQueryClient();
  const cursor = useCursor();
  const [creating, setCreating] = useState(false);
  const [creds, setCreds] = useState<VendorCredentials | null>(null);
  const [keyOf, setKeyOf] = useState<Vendor | null>(null);
  const q = useQuery({
    queryKey: ['vendors', 'list', cursor.cursor],
    queryFn: ({ signal }) =>
      api<Page<Vendor>>('GET', '/vendors', { query: { cursor: cursor.cursor, limit: 50 }, signal }),
  });
  const fail = (e: unknown) =>
    void message.error(e instanceof ApiProblem ? (e.detail ?? e.title) : String(e));
  const rotate = useMutation({
    mutationFn: (v: Vendor) => api<VendorCredentials>('POST', `/vendors/${v.vendorId}/rotate`),
    onSuccess: (c) => {
      setCreds(c);
      void client.invalidateQueries({ queryKey: ['vendors'] });
    },
    onError: fail,
  });
  const revoke = useMutation({
    mutationFn: (v: Vendor) => api<Vendor>('POST', `/vendors/${v.vendorId}/revoke`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['vendors'] }),
    onError: fail,
  });
  const ask = (kind: 'rotate' | 'revoke', v: Vendor) =>
    modal.confirm({
      title: t(`vendors.${kind}`),
      content: t(`vendors.${kind}Confirm`, { name: v.name }),
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: kind === 'revoke' },
      onOk: () => (kind === 'rotate' ? rotate : revoke).mutateAsync(v).catch(() => undefined),
    });

  const columns: ColumnsType<Vendor> = [
    { title: t('vendors.name'), dataIndex: 'name' },
    {
      title: t('vendors.accessId'),
      dataIndex: 'accessId',
      render: (a: string) => <Typography.Text code>{a}</Typography.Text>,
    },
    {
      title: t('vendors.status'),
      dataIndex: 'status',
      render: (s: string) => (
        <Tag color={s === 'active' ? 'success' : 'error'}>
          {s === 'active' ? t('vendors.active') : t('vendors.revoked')}
        </Tag>
      ),
    },
    { title: t('vendors.secretVersion'), dataIndex: 'secretVersion', responsive: ['md'] },
    {
      title: t('vendors.publicKey'),
      dataIndex: 'publicKey',
      render: (k: Vendor['publicKey'], v) => (
        <Button size="small" type="link" onClick={() => setKeyOf(v)}>
          {k ? t('vendors.keyBits', { bits: k.bits ?? '?' }) : t('vendors.noKey')}
        </Button>
      ),
    },
    {
      title: t('vendors.created'),
      dataIndex: 'createdAt',
      render: (c: string) => dayjs(c).format('YYYY-MM-DD HH:mm'),
      responsive: ['md'],
    },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, v: Vendor) => (
              <Space>
                <Button size="small" onClick={() => ask('rotate', v)}>
                  {t('vendors.rotate')}
                </Button>
                {v.status === 'active' && (
                  <Button size="small" danger onClick={() => ask('revoke', v)}>
                    {t('vendors.revoke')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('vendors.title')}
        </Typography.Title>
        {canManage && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('vendors.create')}
          </Button>
        )}
      </Space>
      <Card>
        {q.error ? (
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <>
            <Table<Vendor>
              data-testid="vendor-table"
              rowKey="vendorId"
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
      <CreateVendor open={creating} onClose={() => setCreating(false)} onCreated={setCreds} />
      <CredentialsModal creds={creds} onClose={() => setCreds(null)} />
      <PublicKeyModal vendor={keyOf} canEdit={canManage} onClose={() => setKeyOf(null)} />
    </Space>
  );
}
