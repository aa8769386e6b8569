/**
 * The workers list (GET /persons): masked ID numbers, search by name prefix, exact ID
 * number, site and face-check review, cursor pages. At phone width only the name and the
 * ID number remain (the other columns are `responsive: ['md']`).
 */
import { ImportOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Form, Input, Select, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { CursorPager, useCursor } from '../../components/cursor-pager';
import { EmptyState, LoadError, Loading } from '../../components/page-state';
import { RevealId } from './reveal-id';
import type { PersonRow } from './types';

interface Filters {
  name?: string;
  idNumber?: string;
  siteId?: string;
  review?: string;
}

const REVIEWS = ['none', 'required', 'accepted', 'rejected'] as const;

export function WorkerList() {
  const { t } = useTranslation();
  const session = useSession();
  const canWrite = session ? accessOf(session.account.role).changeSiteData : false;
  const { sites } = useSites();
  const [filters, setFilters] = useState<Filters>({});
  const cursor = useCursor(filters);
  const q = useQuery({
    queryKey: ['persons', filters, cursor.cursor],
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      api<Page<PersonRow>>('GET', '/persons', {
        query: { ...filters, limit: 50, cursor: cursor.cursor },
        signal,
      }),
  });

  const columns: ColumnsType<PersonRow> = [
    {
      title: t('workers.name'),
      dataIndex: 'name',
      render: (name: string | null, p) => <Link to={`/workers/${p.personId}`}>{name ?? p.personId}</Link>,
    },
    {
      title: t('workers.idNumber'),
      dataIndex: 'idNumber',
      render: (v: string | null, p) => <RevealId personId={p.personId} masked={v} />,
    },
    { title: t('workers.personId'), dataIndex: 'personId', responsive: ['lg'] },
    { title: t('workers.photos'), dataIndex: 'photoCount', responsive: ['md'] },
    {
      title: t('workers.review'),
      dataIndex: 'review',
      responsive: ['md'],
      render: (r: PersonRow['review']) =>
        r === 'none' ? null : (
          <Tag color={r === 'required' ? 'orange' : r === 'rejected' ? 'red' : 'green'}>
            {t(`workers.reviews.${r}`)}
          </Tag>
        ),
    },
    {
      title: t('workers.enrolledAt'),
      dataIndex: 'createdAt',
      responsive: ['md'],
      render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm'),
    },
  ];

  const search = (v: Filters) => {
    const clean: Filters = {};
    for (const [k, val] of Object.entries(v) as [keyof Filters, string | undefined][])
      if (val !== undefined && val.trim() !== '') clean[k] = val.trim();
    setFilters(clean);
  };

  return (
    <Card
      title={t('workers.title')}
      extra={
        canWrite && (
          <Space wrap>
            <Link to="/workers/import">
              <Button icon={<ImportOutlined />}>{t('workers.import.title')}</Button>
            </Link>
            <Link to="/workers/new">
              <Button type="primary" icon={<PlusOutlined />}>
                {t('workers.enrol.title')}
              </Button>
            </Link>
          </Space>
        )
      }
    >
      <Form<Filters> layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="name" label={t('workers.name')}>
          <Input allowClear placeholder={t('workers.namePrefix')} />
        </Form.Item>
        <Form.Item
          name="idNumber"
          label={t('workers.idNumber')}
          rules={[{ pattern: /^[0-9]{17}[0-9Xx]$/, message: t('workers.idNumberFormat') }]}
        >
          <Input allowClear placeholder={t('workers.idNumberExact')} />
        </Form.Item>
        <Form.Item name="siteId" label={t('workers.site')}>
          <Select
            allowClear
            style={{ minWidth: 160 }}
            options={sites.map((s) => ({ value: s.id, label: s.name }))}
          />
        </Form.Item>
        <Form.Item name="review" label={t('workers.review')}>
          <Select
            allowClear
            style={{ minWidth: 120 }}
            options={REVIEWS.map((r) => ({ value: r, label: t(`workers.reviews.${r}`) }))}
          />
        </Form.Item>
        <Form.Item>
          <Button htmlType="submit" type="primary">
            {t('common.search')}
          </Button>
        </Form.Item>
      </Form>
      {q.isPending ? (
        <Loading />
      ) : q.error ? (
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          <Table<PersonRow>
            rowKey="personId"
            size="middle"
            loading={q.isFetching}
            columns={columns}
            dataSource={q.data?.items ?? []}
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: <EmptyState /> }}
            data-testid="workers-table"
          />
          <CursorPager cursor={cursor} nextCursor={q.data?.nextCursor} />
        </>
      )}
    </Card>
  );
}
