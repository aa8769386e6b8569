/**
 * The dashboard (issue 13): what a labour manager and an operator open every morning.
 * Headline figures, a chart and a table per site from GET /api/v1/overview, and the live
 * feed of clock-ins. One event stream feeds both: every event that changes a figure
 * marks the overview stale (throttled to once a second), clock-ins also go to the feed;
 * nothing reloads the page. A vendor's stream carries no clock-ins (the API refuses it
 * the type), so it gets the figures without the feed.
 */
import { Card, Space, Typography } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf } from '../../access';
import { type LiveEvent, type LiveEventType, useLiveEvents } from '../../api/live';
import { useSession } from '../../api/session';
import { QueryState } from '../../components/page-state';
import { KpiCards } from './kpi-cards';
import { type ClockIn, LiveFeed } from './live-feed';
import { OVERVIEW_CHANGES, useOverview, useOverviewRefresh } from './overview-api';
import { SiteTable } from './site-table';

/** ECharts is the dashboard's largest script: the figures and the table come first. */
const SiteChart = lazy(() => import('./site-chart'));
/** The chart's height, kept while it loads so the table does not jump. */
const CHART_HEIGHT = 280;

/** Clock-ins kept on screen. */
const FEED_SIZE = 50;

export default function DashboardPage() {
  const { t } = useTranslation();
  const role = useSession()?.account.role;
  const seesClockIns = role !== undefined && accessOf(role).attendance;
  const overview = useOverview();
  const refresh = useOverviewRefresh();
  const [feed, setFeed] = useState<ClockIn[]>([]);
  const types: readonly LiveEventType[] = seesClockIns
    ? OVERVIEW_CHANGES
    : OVERVIEW_CHANGES.filter((x) => x !== 'attendance.created');
  useLiveEvents(types, (e: LiveEvent) => {
    refresh();
    if (e.type !== 'attendance.created') return;
    const c = e.data as unknown as ClockIn;
    setFeed((f) => [c, ...f.filter((x) => x.id !== c.id)].slice(0, FEED_SIZE));
  });

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Space wrap align="baseline">
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('dashboard.title')}
        </Typography.Title>
        {overview.data && (
          <Typography.Text type="secondary" data-testid="overview-day">
            {t('dashboard.day', { day: overview.data.day })}
          </Typography.Text>
        )}
      </Space>
      <QueryState query={overview}>
        {(o) => (
          <Space orientation="vertical" style={{ width: '100%' }} size="large">
            <KpiCards overview={o} />
            <Card title={t('dashboard.bySite')}>
              {o.sites.length > 0 && (
                <Suspense fallback={<div style={{ height: CHART_HEIGHT }} />}>
                  <SiteChart sites={o.sites} height={CHART_HEIGHT} />
                </Suspense>
              )}
              <SiteTable overview={o} />
            </Card>
          </Space>
        )}
      </QueryState>
      {seesClockIns && <LiveFeed feed={feed} />}
    </Space>
  );
}
