/**
 * A site's day (GET /sites/{siteId}/days/{day} and …/workers): how many workers came
 * (real-name), by company, team and trade, the day's anomalies, and per worker the first
 * in and last out with the time on site. Site and day live in the URL (?siteId=&day=).
 */
import { useQuery } from '@tanstack/react-query';
import { Card, Col, DatePicker, Form, Row, Space, Statistic, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, type Page } from '../../api/client';
import { CursorPager, useCursorPages } from '../../components/cursor-pager';
import { EmptyState, QueryState } from '../../components/page-state';
import { SiteSelect } from './site-select';
import { chinaToday, type GroupCount, type SiteDay, type WorkerDay, wallClock } from './types';

function GroupTable({ title, rows, testId }: { title: string; rows: GroupCount[]; testId: string }) {
  const { t } = useTranslation();
  return (
    <Card title={title} size="small" data-testid={testId}>
      <Table<GroupCount>
        size="small"
        rowKey={(r) => r.name ?? ''}
        pagination={false}
        dataSource={rows}
        locale={{ emptyText: <EmptyState /> }}
        columns={[
          {
            title: t('attendance.daily.group'),
            dataIndex: 'name',
            render: (v: string | null) => v ?? t('attendance.daily.none'),
          },
          { title: t('attendance.daily.count'), dataIndex: 'headcount', align: 'right' },
        ]}
      />
    </Card>
  );
}

function DaySummary({ siteId, day }: { siteId: string; day: string }) {
  const { t } = useTranslation();
  const summary = useQuery({
    queryKey: ['site-day', siteId, day],
    queryFn: ({ signal }) =>
      api<SiteDay>('GET', `/sites/${encodeURIComponent(siteId)}/days/${day}`, { signal }),
  });
  return (
    <QueryState query={summary}>
      {(s) => (
        <Space orientation="vertical" style={{ width: '100%' }} size="middle">
          <Row gutter={[16, 16]}>
            <Col xs={12} md={6}>
              <Card size="small">
                <Statistic
                  title={t('attendance.daily.headcount')}
                  value={s.headcount}
                  data-testid="day-headcount"
                />
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card size="small">
                <Statistic title={t('attendance.daily.workers')} value={s.workers} />
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card size="small">
                <Statistic title={t('attendance.daily.punches')} value={s.punches} />
              </Card>
            </Col>
            <Col xs={12} md={6}>
              <Card size="small">
                <Statistic
                  title={t('attendance.daily.anomalies')}
                  value={Object.values(s.anomalies).reduce((a, b) => a + b, 0)}
                />
              </Card>
            </Col>
          </Row>
          <Row gutter={[16, 16]}>
            <Col xs={24} md={8}>
              <GroupTable title={t('attendance.daily.byCompany')} rows={s.byCompany} testId="by-company" />
            </Col>
            <Col xs={24} md={8}>
              <GroupTable title={t('attendance.daily.byTeam')} rows={s.byTeam} testId="by-team" />
            </Col>
            <Col xs={24} md={8}>
              <GroupTable title={t('attendance.daily.byTrade')} rows={s.byTrade} testId="by-trade" />
            </Col>
          </Row>
        </Space>
      )}
    </QueryState>
  );
}

function DayWorkers({ siteId, day }: { siteId: string; day: string }) {
  const { t } = useTranslation();
  const pager = useCursorPages<WorkerDay>(['site-day-workers', siteId, day], (cursor, signal) =>
    api<Page<WorkerDay>>('GET', `/sites/${encodeURIComponent(siteId)}/days/${day}/workers`, {
      query: { limit: 100, cursor },
      signal,
    }),
  );
  const columns: ColumnsType<WorkerDay> = [
    { title: t('attendance.col.person'), key: 'name', render: (_, r) => r.name ?? r.personId },
    {
      title: t('attendance.daily.firstIn'),
      dataIndex: 'firstIn',
      render: (v: string | null, r) => wallClock(v ?? r.firstAt),
    },
    {
      title: t('attendance.daily.lastOut'),
      dataIndex: 'lastOut',
      render: (v: string | null, r) => wallClock(v ?? r.lastAt),
    },
    { title: t('attendance.daily.hours'), dataIndex: 'hours', align: 'right' },
    { title: t('attendance.daily.punches'), dataIndex: 'punches', align: 'right', responsive: ['md'] },
    {
      title: t('attendance.daily.anomalies'),
      dataIndex: 'anomalies',
      render: (v: string[]) =>
        v.map((a) => (
          <Tag key={a} color="orange">
            {t(`attendance.anomaly.${a}`)}
          </Tag>
        )),
    },
  ];
  return (
    <Card title={t('attendance.daily.perWorker')} size="small">
      <QueryState query={pager.query}>
        {(page) => (
          <>
            <Table<WorkerDay>
              size="small"
              rowKey="personId"
              columns={columns}
              dataSource={page.items}
              pagination={false}
              scroll={{ x: true }}
              locale={{ emptyText: <EmptyState /> }}
              data-testid="day-workers"
            />
            <CursorPager cursor={pager.cursor} nextCursor={page.nextCursor} />
          </>
        )}
      </QueryState>
    </Card>
  );
}

export function DailyTab() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const siteId = params.get('siteId') ?? undefined;
  const day = params.get('day') ?? chinaToday();
  const set = (k: string, v: string | undefined) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p);
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Form layout="inline" style={{ rowGap: 8 }}>
        <Form.Item label={t('attendance.filter.site')} htmlFor="daily-site" style={{ minWidth: 240 }}>
          <SiteSelect
            id="daily-site"
            value={siteId}
            onChange={(v) => set('siteId', v as string | undefined)}
          />
        </Form.Item>
        <Form.Item label={t('attendance.daily.day')} htmlFor="daily-day">
          <DatePicker
            id="daily-day"
            value={dayjs(day)}
            allowClear={false}
            onChange={(d) => set('day', d ? d.format('YYYY-MM-DD') : undefined)}
          />
        </Form.Item>
      </Form>
      {siteId ? (
        <>
          <DaySummary siteId={siteId} day={day} />
          <DayWorkers siteId={siteId} day={day} />
        </>
      ) : (
        <EmptyState>{t('attendance.pickSite')}</EmptyState>
      )}
    </Space>
  );
}
