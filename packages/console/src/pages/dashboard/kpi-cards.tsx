/**
 * The dashboard's headline figures, one antd Statistic each: devices online and offline,
 * today's clock-ins, upload delay p95 against the standard's 10 s (red when over),
 * distribution failures and devices with reconciliation differences (red when any).
 */
import { Card, Col, Row, Statistic } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Overview } from './overview-api';

const RED = '#cf1322';
const GREEN = '#3f8600';

export function KpiCards({ overview }: { overview: Overview }) {
  const { t } = useTranslation();
  const { totals, uploadLimitMs } = overview;
  const p95 = totals.uploadDelayP95Ms;
  const over = p95 !== null && p95 > uploadLimitMs;
  const cards = [
    { key: 'online', title: t('dashboard.online'), value: totals.devicesOnline, color: GREEN },
    {
      key: 'offline',
      title: t('dashboard.offline'),
      value: totals.devicesOffline,
      color: totals.devicesOffline > 0 ? RED : undefined,
    },
    { key: 'clockIns', title: t('dashboard.clockInsToday'), value: totals.clockInsToday },
    {
      key: 'p95',
      title: t('dashboard.p95', { limit: uploadLimitMs / 1000 }),
      value: p95 === null ? '—' : (p95 / 1000).toFixed(1),
      suffix: p95 === null ? undefined : t('dashboard.seconds'),
      color: p95 === null ? undefined : over ? RED : GREEN,
    },
    {
      key: 'failures',
      title: t('dashboard.failures'),
      value: totals.distributionFailures,
      color: totals.distributionFailures > 0 ? RED : undefined,
    },
    {
      key: 'differences',
      title: t('dashboard.differences'),
      value: totals.devicesWithDifferences,
      color: totals.devicesWithDifferences > 0 ? RED : undefined,
    },
  ];
  return (
    <Row gutter={[16, 16]}>
      {cards.map((c) => (
        <Col key={c.key} xs={12} md={8} xl={4}>
          <Card size="small" data-testid={`kpi-${c.key}`}>
            <Statistic
              title={c.title}
              value={c.value}
              {...(c.suffix !== undefined ? { suffix: c.suffix } : {})}
              {...(c.color !== undefined ? { styles: { content: { color: c.color } } } : {})}
            />
          </Card>
        </Col>
      ))}
    </Row>
  );
}
