/**
 * The monthly sheet (GET /sites/{siteId}/sheets/{YYYY-MM}): worker × day, each cell the
 * hours on site that day, with days attended and total hours; the names stay in view
 * while the days scroll (fixed first columns). Workers come 100 at a time ("load more",
 * the sheet's cursor); the XLSX export is the whole month in one file, as the platform
 * writes it (…/{YYYY-MM}.xlsx), headers in the console's language.
 */
import { DownloadOutlined } from '@ant-design/icons';
import { useInfiniteQuery } from '@tanstack/react-query';
import { App, Button, DatePicker, Form, Space, Table, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiProblem, api, apiBlob, saveBlob } from '../../api/client';
import { EmptyState, LoadError, Loading } from '../../components/page-state';
import { SiteSelect } from './site-select';
import { chinaToday, type SheetCell, type SheetPage, type SheetWorker, wallClock } from './types';

const PAGE_SIZE = 100;

function Cell({ worker, day, cell }: { worker: SheetWorker; day: string; cell: SheetCell | undefined }) {
  const { t } = useTranslation();
  if (!cell) return null;
  const text = (
    <span
      data-cell={`${worker.personId}:${day}`}
      style={{
        color: cell.attended ? undefined : '#999',
        fontWeight: cell.anomalies.length > 0 ? 600 : undefined,
      }}
    >
      {cell.hours}
    </span>
  );
  return (
    <Tooltip
      title={
        <>
          {t('attendance.daily.firstIn')}: {wallClock(cell.firstIn).slice(11) || '—'}
          <br />
          {t('attendance.daily.lastOut')}: {wallClock(cell.lastOut).slice(11) || '—'}
          <br />
          {t('attendance.daily.punches')}: {cell.punches}
          {cell.anomalies.length > 0 && (
            <>
              <br />
              {cell.anomalies.map((a) => t(`attendance.anomaly.${a}`)).join(', ')}
            </>
          )}
        </>
      }
    >
      {text}
    </Tooltip>
  );
}

function columnsOf(days: string[], t: (k: string) => string): ColumnsType<SheetWorker> {
  return [
    {
      title: t('attendance.sheet.name'),
      key: 'name',
      fixed: 'left',
      width: 120,
      render: (_, w) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{w.name ?? w.personId}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 11 }}>
            {w.personId}
          </Typography.Text>
        </Space>
      ),
    },
    { title: t('attendance.sheet.team'), key: 'team', width: 100, render: (_, w) => w.team ?? '' },
    { title: t('attendance.sheet.trade'), key: 'trade', width: 90, render: (_, w) => w.trade ?? '' },
    ...days.map((d): ColumnsType<SheetWorker>[number] => ({
      title: <span title={d}>{d.slice(8)}</span>,
      key: d,
      width: 48,
      align: 'center',
      render: (_, w) => <Cell worker={w} day={d} cell={w.cells.find((c) => c.day === d)} />,
    })),
    {
      title: t('attendance.sheet.days'),
      dataIndex: 'attendedDays',
      width: 70,
      align: 'right',
      fixed: 'right',
    },
    {
      title: t('attendance.sheet.hours'),
      dataIndex: 'totalHours',
      width: 80,
      align: 'right',
      fixed: 'right',
    },
  ];
}

const hoursOf = (minutes: number) => Math.round((minutes / 60) * 100) / 100;

/** The site's per-day totals (the whole month's, from the first page): the sheet's last row. */
function TotalsRow({ days, totals }: { days: string[]; totals: SheetPage['dayTotals'] }) {
  const { t } = useTranslation();
  if (!totals || totals.length === 0) return null;
  const byDay = new Map(totals.map((d) => [d.day, d]));
  const minutes = totals.reduce((a, d) => a + d.minutes, 0);
  return (
    <Table.Summary fixed="bottom">
      <Table.Summary.Row>
        <Table.Summary.Cell index={0} colSpan={3}>
          <Typography.Text strong>{t('attendance.sheet.total')}</Typography.Text>
        </Table.Summary.Cell>
        {days.map((d, i) => {
          const m = byDay.get(d)?.minutes ?? 0;
          return (
            <Table.Summary.Cell key={d} index={3 + i} align="center">
              {m > 0 ? hoursOf(m) : ''}
            </Table.Summary.Cell>
          );
        })}
        <Table.Summary.Cell index={3 + days.length} align="right">
          {totals.reduce((a, d) => a + d.headcount, 0)}
        </Table.Summary.Cell>
        <Table.Summary.Cell index={4 + days.length} align="right">
          {hoursOf(minutes)}
        </Table.Summary.Cell>
      </Table.Summary.Row>
    </Table.Summary>
  );
}

function Sheet({ siteId, month }: { siteId: string; month: string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [exporting, setExporting] = useState(false);
  const path = `/sites/${encodeURIComponent(siteId)}/sheets/${month}`;
  const q = useInfiniteQuery({
    queryKey: ['sheet', siteId, month],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api<SheetPage>('GET', path, { query: { limit: PAGE_SIZE, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  const exportXlsx = async () => {
    setExporting(true);
    try {
      const { blob, filename } = await apiBlob(`${path}.xlsx`, {
        query: { lang: i18n.language === 'en' ? 'en' : 'zh' },
      });
      saveBlob(blob, filename);
    } catch (err) {
      void message.error(
        `${t('attendance.exportFailed')}${err instanceof ApiProblem ? `: ${err.title}` : ''}`,
      );
    } finally {
      setExporting(false);
    }
  };

  if (q.isPending) return <Loading />;
  if (q.error || !q.data) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const days = q.data.pages[0]?.days ?? [];
  const workers = q.data.pages.flatMap((p) => p.items);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Button
          type="primary"
          icon={<DownloadOutlined />}
          loading={exporting}
          onClick={() => void exportXlsx()}
          data-testid="sheet-export"
        >
          {t('attendance.sheet.export')}
        </Button>
        <Typography.Text type="secondary">
          {t('attendance.sheet.workers', { n: workers.length })}
        </Typography.Text>
      </Space>
      <Table<SheetWorker>
        rowKey="personId"
        size="small"
        bordered
        columns={columnsOf(days, t)}
        dataSource={workers}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <EmptyState /> }}
        summary={() => <TotalsRow days={days} totals={q.data.pages[0]?.dayTotals} />}
        data-testid="sheet-table"
      />
      {q.hasNextPage && (
        <Button onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
          {t('common.more')}
        </Button>
      )}
    </Space>
  );
}

export function SheetTab() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const siteId = params.get('siteId') ?? undefined;
  const month = params.get('month') ?? chinaToday().slice(0, 7);
  const set = (k: string, v: string | undefined) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p);
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Form layout="inline" style={{ rowGap: 8 }}>
        <Form.Item label={t('attendance.filter.site')} htmlFor="sheet-site" style={{ minWidth: 240 }}>
          <SiteSelect
            id="sheet-site"
            value={siteId}
            onChange={(v) => set('siteId', v as string | undefined)}
          />
        </Form.Item>
        <Form.Item label={t('attendance.sheet.month')} htmlFor="sheet-month">
          <DatePicker
            id="sheet-month"
            picker="month"
            value={dayjs(`${month}-01`)}
            allowClear={false}
            onChange={(d) => set('month', d ? d.format('YYYY-MM') : undefined)}
          />
        </Form.Item>
      </Form>
      {siteId ? <Sheet siteId={siteId} month={month} /> : <EmptyState>{t('attendance.pickSite')}</EmptyState>}
    </Space>
  );
}
