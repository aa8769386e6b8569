/**
 * Clock-in records (GET /attendance): a filter form (site, person, device, type, flag,
 * real-name, time range), a table newest first with each record's capture photo (a
 * signed URL; antd Image previews it full size), its flags as tags with their meaning,
 * cursor pages, and the same filter exported as CSV or XLSX (GET /attendance/export).
 * At phone width the form stacks and the less needed columns fold away.
 */
import { DownloadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Collapse,
  DatePicker,
  Form,
  Grid,
  Image,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiProblem, api, apiBlob, type Page, saveBlob } from '../../api/client';
import { CursorPager, useCursorPages } from '../../components/cursor-pager';
import { EmptyState, LoadError } from '../../components/page-state';
import { type AttendanceFilter, filterOf, paramsOf, queryOf } from './filters';
import { FlagTags } from './flag-tags';
import { SiteSelect } from './site-select';
import { ATTENDANCE_FLAGS, ATTENDANCE_TYPES, type AttendanceRow, wallClock } from './types';

interface FormValues {
  siteId?: string;
  personId?: string;
  deviceSn?: string;
  type?: string;
  flag?: string;
  realName?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

const PAGE_SIZE = 50;

function valuesOf(f: AttendanceFilter): FormValues {
  return {
    ...(f.siteId ? { siteId: f.siteId } : {}),
    ...(f.personId ? { personId: f.personId } : {}),
    ...(f.deviceSn ? { deviceSn: f.deviceSn } : {}),
    ...(f.type ? { type: f.type } : {}),
    ...(f.flag ? { flag: f.flag } : {}),
    ...(f.realName ? { realName: f.realName } : {}),
    range: f.since || f.until ? [f.since ? dayjs(f.since) : null, f.until ? dayjs(f.until) : null] : null,
  };
}

function filterFrom(v: FormValues): AttendanceFilter {
  const f: AttendanceFilter = {};
  if (v.siteId) f.siteId = v.siteId;
  if (v.personId?.trim()) f.personId = v.personId.trim();
  if (v.deviceSn?.trim()) f.deviceSn = v.deviceSn.trim();
  if (v.type) f.type = v.type;
  if (v.flag) f.flag = v.flag;
  if (v.realName) f.realName = v.realName;
  if (v.range?.[0]) f.since = v.range[0].format();
  if (v.range?.[1]) f.until = v.range[1].format();
  return f;
}

export function RecordsTab() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const screens = Grid.useBreakpoint();
  const [params, setParams] = useSearchParams();
  const filter = filterOf(params);
  const [form] = Form.useForm<FormValues>();
  const [exporting, setExporting] = useState<string | null>(null);
  const pager = useCursorPages<AttendanceRow>(['attendance', filter], (cursor, signal) =>
    api<Page<AttendanceRow>>('GET', '/attendance', {
      query: { ...queryOf(filter), limit: PAGE_SIZE, cursor },
      signal,
    }),
  );

  const exportAs = async (format: 'csv' | 'xlsx') => {
    setExporting(format);
    try {
      const { blob, filename } = await apiBlob('/attendance/export', {
        query: { ...queryOf(filter), format },
      });
      saveBlob(blob, filename);
    } catch (err) {
      void message.error(
        `${t('attendance.exportFailed')}${err instanceof ApiProblem ? `: ${err.title}` : ''}`,
      );
    } finally {
      setExporting(null);
    }
  };

  const columns: ColumnsType<AttendanceRow> = [
    {
      title: t('attendance.col.time'),
      dataIndex: 'recordTime',
      render: (v: string) => (
        <Space orientation="vertical" size={0} style={{ whiteSpace: 'nowrap' }}>
          <span>{wallClock(v).slice(11)}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {wallClock(v).slice(0, 10)}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('attendance.col.person'),
      key: 'person',
      render: (_, r) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
            {r.personName ?? t('attendance.unknownPerson')}
          </Typography.Text>
          {screens.md && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {r.personId}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('attendance.col.photo'),
      key: 'photo',
      render: (_, r) =>
        r.photoUrl ? (
          <Image
            src={r.photoUrl}
            width={44}
            height={44}
            style={{ objectFit: 'cover' }}
            alt={t('attendance.photoOf', { name: r.personName ?? r.personId })}
          />
        ) : (
          <Typography.Text type="secondary">
            {r.photoRemoved ? t(`attendance.photoRemoved.${r.photoRemoved}`) : '—'}
          </Typography.Text>
        ),
    },
    { title: t('attendance.col.device'), dataIndex: 'deviceSn', responsive: ['md'] },
    {
      title: t('attendance.col.type'),
      dataIndex: 'type',
      responsive: ['md'],
      render: (v: number) => t(`attendance.type.${v}`, { defaultValue: String(v) }),
    },
    {
      title: t('attendance.col.realName'),
      dataIndex: 'realName',
      responsive: ['lg'],
      render: (v: boolean) => (v ? <Tag color="green">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>),
    },
    {
      title: t('attendance.col.flags'),
      dataIndex: 'flags',
      render: (v: string[]) => <FlagTags flags={v} />,
    },
    {
      title: t('attendance.col.received'),
      key: 'received',
      responsive: ['xl'],
      render: (_, r) => (
        <span style={{ whiteSpace: 'nowrap' }}>
          {wallClock(r.receivedAt)}
          {r.latencyMs !== null ? ` (${(r.latencyMs / 1000).toFixed(1)} s)` : ''}
        </span>
      ),
    },
  ];

  const filterForm = (
    <Form<FormValues>
      form={form}
      layout={screens.md ? 'inline' : 'vertical'}
      initialValues={valuesOf(filter)}
      onFinish={(v) => setParams(paramsOf(filterFrom(v)))}
      style={{ rowGap: 8 }}
      aria-label={t('attendance.filter.title')}
    >
      <Form.Item name="siteId" label={t('attendance.filter.site')} style={{ minWidth: 220 }}>
        <SiteSelect allowClear />
      </Form.Item>
      <Form.Item name="personId" label={t('attendance.filter.person')}>
        <Input allowClear placeholder={t('attendance.filter.personPlaceholder')} />
      </Form.Item>
      <Form.Item name="deviceSn" label={t('attendance.filter.device')}>
        <Input allowClear placeholder={t('attendance.filter.devicePlaceholder')} />
      </Form.Item>
      <Form.Item name="type" label={t('attendance.filter.type')}>
        <Select
          allowClear
          style={{ minWidth: 120 }}
          options={ATTENDANCE_TYPES.map((v) => ({ value: String(v), label: t(`attendance.type.${v}`) }))}
        />
      </Form.Item>
      <Form.Item name="flag" label={t('attendance.filter.flag')}>
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          style={{ minWidth: 180 }}
          options={ATTENDANCE_FLAGS.map((f) => ({ value: f, label: t(`attendance.flag.${f}`) }))}
        />
      </Form.Item>
      <Form.Item name="realName" label={t('attendance.filter.realName')}>
        <Select
          allowClear
          style={{ minWidth: 100 }}
          options={[
            { value: 'true', label: t('common.yes') },
            { value: 'false', label: t('common.no') },
          ]}
        />
      </Form.Item>
      <Form.Item name="range" label={t('attendance.filter.range')}>
        <DatePicker.RangePicker showTime allowEmpty={[true, true]} />
      </Form.Item>
      <Form.Item>
        <Space wrap>
          <Button type="primary" htmlType="submit">
            {t('common.search')}
          </Button>
          <Button
            onClick={() => {
              form.resetFields();
              form.setFieldsValue({
                siteId: undefined,
                personId: undefined,
                deviceSn: undefined,
                type: undefined,
                flag: undefined,
                realName: undefined,
                range: null,
              });
              setParams(new URLSearchParams());
            }}
          >
            {t('attendance.filter.reset')}
          </Button>
        </Space>
      </Form.Item>
    </Form>
  );

  const q = pager.query;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      {screens.md ? (
        filterForm
      ) : (
        <Collapse
          size="small"
          items={[
            { key: 'filter', label: t('attendance.filter.title'), children: filterForm, forceRender: true },
          ]}
        />
      )}
      <Space wrap>
        <Button
          icon={<DownloadOutlined />}
          loading={exporting === 'xlsx'}
          onClick={() => void exportAs('xlsx')}
          data-testid="export-xlsx"
        >
          {t('attendance.exportXlsx')}
        </Button>
        <Button
          icon={<DownloadOutlined />}
          loading={exporting === 'csv'}
          onClick={() => void exportAs('csv')}
          data-testid="export-csv"
        >
          {t('attendance.exportCsv')}
        </Button>
      </Space>
      {q.error ? (
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <>
          <Table<AttendanceRow>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={q.data?.items ?? []}
            loading={q.isFetching}
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: q.isPending ? ' ' : <EmptyState /> }}
            data-testid="attendance-table"
          />
          <CursorPager cursor={pager.cursor} nextCursor={q.data?.nextCursor} />
        </>
      )}
    </Space>
  );
}
