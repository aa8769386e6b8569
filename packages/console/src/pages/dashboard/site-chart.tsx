/**
 * Per site, devices online and offline and today's clock-ins as bars (ECharts). Only the
 * bar chart, the grid, tooltip and legend and the canvas renderer are imported from
 * echarts' modular entry points, so the dashboard's chunk carries no other chart. Loaded
 * apart from the page (dashboard-page.tsx): the figures and the table do not wait for
 * ECharts, the largest script of the dashboard.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { type SiteOverview, siteLabel } from './overview-api';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export default function SiteChart({ sites, height }: { sites: SiteOverview[]; height: number }) {
  const { t } = useTranslation();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current);
    chart.current = c;
    const resize = () => c.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      c.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: {},
        grid: { left: 40, right: 16, bottom: 40, top: 40 },
        xAxis: {
          type: 'category',
          data: sites.map(siteLabel),
          axisLabel: { interval: 0, hideOverlap: true },
        },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          {
            name: t('dashboard.online'),
            type: 'bar',
            data: sites.map((s) => s.devicesOnline),
            color: '#52c41a',
          },
          {
            name: t('dashboard.offline'),
            type: 'bar',
            data: sites.map((s) => s.devicesOffline),
            color: '#bfbfbf',
          },
          {
            name: t('dashboard.clockInsToday'),
            type: 'bar',
            data: sites.map((s) => s.clockInsToday),
            color: '#1677ff',
          },
        ],
      },
      { notMerge: true },
    );
  }, [sites, t]);

  return (
    <div
      ref={el}
      data-testid="site-chart"
      role="img"
      aria-label={t('dashboard.chart')}
      style={{ width: '100%', height }}
    />
  );
}
