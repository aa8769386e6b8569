/**
 * The dashboard: clock-ins as they arrive (GET /api/v1/events, no reload), newest first,
 * with when each was made on the device and when it reached the platform.
 */
import { Card, List, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type LiveEvent, useLiveEvents } from '../../api/live';
import { EmptyState } from '../../components/page-state';

interface ClockIn {
  id: string;
  personId: string;
  sn: string;
  recordTime: string;
  receivedAt: string;
  type: string;
  flags: string[];
}

/** Clock-ins kept on screen. */
const FEED_SIZE = 50;

export default function DashboardPage() {
  const { t } = useTranslation();
  const [feed, setFeed] = useState<ClockIn[]>([]);
  useLiveEvents(['attendance.created'], (e: LiveEvent) => {
    const c = e.data as unknown as ClockIn;
    setFeed((f) => [c, ...f.filter((x) => x.id !== c.id)].slice(0, FEED_SIZE));
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('dashboard.title')}
      </Typography.Title>
      <Card title={t('dashboard.live')} data-testid="live-feed">
        {feed.length === 0 ? (
          <EmptyState>{t('dashboard.liveEmpty')}</EmptyState>
        ) : (
          <List
            dataSource={feed}
            rowKey="id"
            renderItem={(c) => (
              <List.Item data-testid="live-clock-in">
                <Space wrap>
                  <Typography.Text strong>{c.personId}</Typography.Text>
                  <Tag>{c.sn}</Tag>
                  <span>
                    {t('dashboard.time')} {dayjs(c.recordTime).format('HH:mm:ss')}
                  </span>
                  <Typography.Text type="secondary">
                    {t('dashboard.received')} {dayjs(c.receivedAt).format('HH:mm:ss')}
                  </Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>
    </Space>
  );
}
