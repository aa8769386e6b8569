/**
 * Accounts and roles (admins; GET/POST/PATCH /accounts): who may log in, their role and
 * scope (a site manager's sites, a vendor's vendor), disabled or locked. An admin
 * creates accounts, changes their role and scope (edit-account.tsx), disables and
 * enables them, and resets a password; a generated
 * password is shown once in a dialog and is not kept by the console.
 */
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Modal, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf } from '../../access';
import { ApiProblem, api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { CursorPager, useCursorPages } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { wallClock } from '../attendance/types';
import { CreateAccount } from './create-account';
import { EditAccount } from './edit-account';
import type { AccountRow } from './types';

export default function AccountsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSession();
  const canManage = session ? accessOf(session.account.role).manageAccounts : false;
  const qc = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<AccountRow | null>(null);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const { nameOf: siteName } = useSites();
  const pager = useCursorPages<AccountRow>(['accounts'], (cursor, signal) =>
    api<Page<AccountRow>>('GET', '/accounts', { query: { limit: 50, cursor }, signal }),
  );
  const fail = (err: unknown) =>
    void message.error(
      `${t('accounts.failed')}${err instanceof ApiProblem ? `: ${err.detail ?? err.title}` : ''}`,
    );
  const toggle = useMutation({
    mutationFn: (a: AccountRow) =>
      api<AccountRow>('PATCH', `/accounts/${encodeURIComponent(a.username)}`, {
        body: { disabled: !a.disabled },
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['accounts'] }),
    onError: fail,
  });
  const reset = useMutation({
    mutationFn: (username: string) =>
      api<{ username: string; password?: string }>(
        'POST',
        `/accounts/${encodeURIComponent(username)}/reset-password`,
        { body: {} },
      ),
    onSuccess: (r) => r.password && setShown({ username: r.username, password: r.password }),
    onError: fail,
  });

  const columns: ColumnsType<AccountRow> = [
    { title: t('accounts.col.username'), dataIndex: 'username', render: (v: string) => <strong>{v}</strong> },
    {
      title: t('accounts.col.role'),
      dataIndex: 'role',
      render: (v: AccountRow['role']) => <Tag>{t(`role.${v}`)}</Tag>,
    },
    {
      title: t('accounts.col.scope'),
      key: 'scope',
      render: (_, a) =>
        a.role === 'site_manager'
          ? a.siteIds.map((id) => <Tag key={id}>{siteName(id)}</Tag>)
          : a.role === 'vendor'
            ? a.vendorId
            : t('accounts.allSites'),
    },
    {
      title: t('accounts.col.status'),
      key: 'status',
      render: (_, a) => (
        <Space size={4}>
          {a.disabled ? (
            <Tag color="red">{t('accounts.disabled')}</Tag>
          ) : (
            <Tag color="green">{t('accounts.active')}</Tag>
          )}
          {a.locked && <Tag color="orange">{t('accounts.locked')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('accounts.col.created'),
      dataIndex: 'createdAt',
      responsive: ['md'],
      render: (v: string) => wallClock(v),
    },
    ...(canManage
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, a: AccountRow) => (
              <Space wrap>
                {/* An admin does not change their own role (the console would lose this page). */}
                {a.username !== session?.account.username && (
                  <Button size="small" onClick={() => setEditing(a)} data-testid={`edit-${a.username}`}>
                    {t('accounts.edit.action')}
                  </Button>
                )}
                {/* An admin does not disable themselves (the console would lock itself out). */}
                {a.username !== session?.account.username && (
                  <Popconfirm
                    title={a.disabled ? t('accounts.enableConfirm') : t('accounts.disableConfirm')}
                    okText={t('common.confirm')}
                    cancelText={t('common.cancel')}
                    onConfirm={() => toggle.mutate(a)}
                  >
                    <Button size="small" danger={!a.disabled}>
                      {a.disabled ? t('accounts.enable') : t('accounts.disable')}
                    </Button>
                  </Popconfirm>
                )}
                <Popconfirm
                  title={t('accounts.resetConfirm')}
                  okText={t('common.confirm')}
                  cancelText={t('common.cancel')}
                  onConfirm={() => reset.mutate(a.username)}
                >
                  <Button size="small">{t('accounts.resetPassword')}</Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]
      : []),
  ];

  const q = pager.query;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('accounts.title')}
        </Typography.Title>
        {canManage && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setCreating(true)}
            data-testid="new-account"
          >
            {t('accounts.create.title')}
          </Button>
        )}
      </Space>
      {q.error ? (
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          <Table<AccountRow>
            rowKey="username"
            size="small"
            columns={columns}
            dataSource={q.data?.items ?? []}
            loading={q.isFetching}
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: q.isPending ? ' ' : <EmptyState /> }}
            data-testid="accounts-table"
          />
          <CursorPager cursor={pager.cursor} nextCursor={q.data?.nextCursor} />
        </>
      )}
      <CreateAccount
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(username, password) => {
          setCreating(false);
          if (password) setShown({ username, password });
          else void message.success(t('common.saved'));
        }}
      />
      <EditAccount
        account={editing}
        onClose={() => setEditing(null)}
        onSaved={(a) => {
          setEditing(null);
          void message.success(t('accounts.edit.saved', { username: a.username }));
        }}
      />
      <Modal
        open={shown !== null}
        title={t('accounts.passwordOnce.title')}
        onOk={() => setShown(null)}
        onCancel={() => setShown(null)}
        okText={t('common.confirm')}
        footer={(_, { OkBtn }) => <OkBtn />}
      >
        {shown && (
          <Space orientation="vertical">
            <Typography.Text>{t('accounts.passwordOnce.body', { username: shown.username })}</Typography.Text>
            <Typography.Text code copyable data-testid="one-time-password">
              {shown.password}
            </Typography.Text>
          </Space>
        )}
      </Modal>
    </Space>
  );
}
