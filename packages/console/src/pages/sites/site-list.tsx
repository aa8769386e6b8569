/**
 * The sites list (GET /sites): name-prefix search, keyset pages loaded on demand ("load
 * more": the API pages in creation order), and creating a site (operators). A row opens
 * the site's page.
 */
import { PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Input, Space, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import { EmptyState, LoadError } from '../../components/page-state';
import { SiteFormModal } from './site-form';
import type { Site, SiteInput } from './types';
import { problemText } from './use-site';

const PAGE_SIZE = 50;

export function SiteList() {
  const { t } = useTranslation();
  const session = useSession()!;
  const canCreate = accessOf(session.account.role).manageSites;
  const [prefix, setPrefix] = useState('');
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();

  const list = useInfiniteQuery({
    queryKey: ['sites', 'list', prefix],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api<Page<Site>>('GET', '/sites', {
        query: { limit: PAGE_SIZE, cursor: pageParam, namePrefix: prefix || undefined },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const create = useMutation({
    mutationFn: (input: SiteInput) => api<Site>('POST', '/sites', { body: input }),
    onSuccess: (s) => {
      setCreating(false);
      void qc.invalidateQueries({ queryKey: ['sites', 'list'] });
      void message.success(t('sites.created', { name: s.name }));
      navigate(`/sites/${s.id}`);
    },
    onError: (err) => void message.error(problemText(err)),
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('sites.title')}
        </Typography.Title>
        <Space wrap>
          <Input.Search
            allowClear
            aria-label={t('sites.searchLabel')}
            placeholder={t('sites.searchPlaceholder')}
            onSearch={(v) => setPrefix(v.trim())}
            style={{ width: 260 }}
          />
          {canCreate ? (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setCreating(true)}
              data-testid="site-create"
            >
              {t('sites.create')}
            </Button>
          ) : null}
        </Space>
      </Space>
      {list.error && rows.length === 0 ? (
        <LoadError error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <>
          <Table<Site>
            rowKey="id"
            loading={list.isPending}
            dataSource={rows}
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: <EmptyState /> }}
            columns={[
              {
                title: t('sites.field.name'),
                dataIndex: 'name',
                render: (name: string, s) => <Link to={`/sites/${s.id}`}>{name}</Link>,
              },
              { title: t('sites.field.address'), dataIndex: 'address', responsive: ['md'] },
              {
                title: t('sites.field.generalContractor'),
                dataIndex: 'generalContractor',
                responsive: ['lg'],
              },
              {
                title: t('sites.field.geofence'),
                key: 'fence',
                render: (_: unknown, s) =>
                  s.geofence ? (
                    <Tag color="blue">{t(`sites.fence.type.${s.geofence.type}`)}</Tag>
                  ) : (
                    <Tag>{t('sites.fence.noneShort')}</Tag>
                  ),
              },
              {
                title: t('sites.field.createdAt'),
                dataIndex: 'createdAt',
                responsive: ['md'],
                render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
              },
            ]}
          />
          {list.error ? <LoadError error={list.error} onRetry={() => void list.fetchNextPage()} /> : null}
          {list.hasNextPage ? (
            <Button block loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              {t('common.more')}
            </Button>
          ) : null}
        </>
      )}
      <SiteFormModal
        open={creating}
        saving={create.isPending}
        error={create.error}
        onSubmit={(input) => create.mutate(input)}
        onCancel={() => setCreating(false)}
      />
    </Space>
  );
}
