/**
 * The audit log (GET /audit; admins and auditors): every write, login and identity
 * reveal, newest first, filtered by actor, action, resource and time, cursor pages.
 * The filter is kept in the URL; an entry's detail unfolds as its JSON.
 */
import { Button, DatePicker, Form, Grid, Input, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, type Page } from '../../api/client';
import { CursorPager, useCursorPages } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { wallClock } from '../attendance/types';

interface AuditEntry {
  id: string;
  at: string;
  actor: string | null;
  role: string | null;
  action: string;
  resource: string | null;
  resourceId: string | null;
  siteId: string | null;
  ip: string | null;
  detail: unknown;
}

const KEYS = ['actor', 'action', 'resource', 'resourceId', 'since', 'until'] as const;
type Filter = Partial<Record<(typeof KEYS)[number], string>>;

interface Values {
  actor?: string;
  action?: string;
  resource?: string;
  resourceId?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

export default function AuditPage() {
  const { t } = useTranslation();
  const screens = Grid.useBreakpoint();
  const [params, setParams] = useSearchParams();
  const [form] = Form.useForm<Values>();
  const filter: Filter = {};
  for (const k of KEYS) {
    const v = params.get(k);
    if (v) filter[k] = v;
  }
  const pager = useCursorPages<AuditEntry>(['audit', filter], (cursor, signal) =>
    api<Page<AuditEntry>>('GET', '/audit', { query: { ...filter, limit: 50, cursor }, signal }),
  );
  const apply = (v: Values) => {
    const p = new URLSearchParams();
    for (const k of ['actor', 'action', 'resource', 'resourceId'] as const) {
      const s = v[k]?.trim();
      if (s) p.set(k, s);
    }
    if (v.range?.[0]) p.set('since', v.range[0].format());
    if (v.range?.[1]) p.set('until', v.range[1].format());
    setParams(p);
  };
  const columns: ColumnsType<AuditEntry> = [
    {
      title: t('audit.col.at'),
      dataIndex: 'at',
      render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{wallClock(v)}</span>,
    },
    {
      title: t('audit.col.actor'),
      key: 'actor',
      render: (_, e) => (
        <Space size={4}>
          <span>{e.actor ?? '—'}</span>
          {e.role && <Tag>{t(`role.${e.role}`, { defaultValue: e.role })}</Tag>}
        </Space>
      ),
    },
    {
      title: t('audit.col.action'),
      dataIndex: 'action',
      render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
    },
    {
      title: t('audit.col.resource'),
      key: 'resource',
      render: (_, e) => [e.resource, e.resourceId].filter(Boolean).join(' '),
    },
    { title: t('audit.col.site'), dataIndex: 'siteId', responsive: ['lg'] },
    { title: t('audit.col.ip'), dataIndex: 'ip', responsive: ['md'] },
  ];
  const q = pager.query;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('audit.title')}
      </Typography.Title>
      <Form<Values>
        form={form}
        layout={screens.md ? 'inline' : 'vertical'}
        style={{ rowGap: 8 }}
        aria-label={t('audit.filter.title')}
        initialValues={{
          ...filter,
          range:
            filter.since || filter.until
              ? [filter.since ? dayjs(filter.since) : null, filter.until ? dayjs(filter.until) : null]
              : null,
        }}
        onFinish={apply}
      >
        <Form.Item name="actor" label={t('audit.filter.actor')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="action" label={t('audit.filter.action')}>
          <Input allowClear placeholder={t('audit.filter.actionPlaceholder')} />
        </Form.Item>
        <Form.Item name="resource" label={t('audit.filter.resource')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="resourceId" label={t('audit.filter.resourceId')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="range" label={t('audit.filter.range')}>
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit">
              {t('common.search')}
            </Button>
            <Button
              onClick={() => {
                form.setFieldsValue({
                  actor: undefined,
                  action: undefined,
                  resource: undefined,
                  resourceId: undefined,
                  range: null,
                });
                setParams(new URLSearchParams());
              }}
            >
              {t('audit.filter.reset')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {q.error ? (
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          <Table<AuditEntry>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={q.data?.items ?? []}
            loading={q.isFetching}
            pagination={false}
            scroll={{ x: true }}
            expandable={{
              rowExpandable: (e) => e.detail !== null && e.detail !== undefined,
              expandedRowRender: (e) => (
                <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>
                  {JSON.stringify(e.detail, null, 2)}
                </pre>
              ),
            }}
            locale={{ emptyText: q.isPending ? ' ' : <EmptyState /> }}
            data-testid="audit-table"
          />
          <CursorPager cursor={pager.cursor} nextCursor={q.data?.nextCursor} />
        </>
      )}
    </Space>
  );
}
