/**
 * The live feed: clock-ins as GET /api/v1/events delivers them, newest first, with
 * when each was made on the device and when it reached the platform. The event carries
 * no photo (nor name); for one that has a photo the record is read once
 * (GET /attendance/{id}: a signed, expiring photo URL and the name) and shown as an antd
 * Image thumbnail that opens the full photo.
 */
import { useQuery } from '@tanstack/react-query';
import { Avatar, Card, Divider, Flex, Image, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { EmptyState } from '../../components/page-state';

/** An attendance.created event's data (api.md "Live events"). */
export interface ClockIn {
  id: string;
  personId: string;
  sn: string;
  recordTime: string;
  receivedAt: string;
  type: number;
  flags: string[];
  hasPhoto: boolean;
}

interface AttendanceRecord {
  id: string;
  personName: string | null;
  photoUrl: string | null;
}

const THUMB = 48;

/** The record behind a clock-in with a photo, read once: its signed photo URL and the name. */
function useRecord(c: ClockIn) {
  return useQuery({
    queryKey: ['attendance', c.id],
    queryFn: ({ signal }) =>
      api<AttendanceRecord>('GET', `/attendance/${encodeURIComponent(c.id)}`, { signal }),
    enabled: c.hasPhoto,
    // The signed URL expires; the thumbnail once loaded stays as it is.
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
}

function FeedItem({ c }: { c: ClockIn }) {
  const { t } = useTranslation();
  const record = useRecord(c).data;
  const url = c.hasPhoto ? record?.photoUrl : null;
  return (
    <div data-testid="live-clock-in" data-record-id={c.id}>
      <Space wrap align="center">
        {url ? (
          <Image
            data-testid="live-photo"
            src={url}
            width={THUMB}
            height={THUMB}
            style={{ objectFit: 'cover' }}
            alt={t('dashboard.photoOf', { person: record?.personName ?? c.personId })}
          />
        ) : (
          <Avatar shape="square" size={THUMB} aria-label={t('dashboard.noPhoto')} />
        )}
        <Typography.Text strong>
          {record?.personName ? `${record.personName} ` : ''}
          <Typography.Text type="secondary">{c.personId}</Typography.Text>
        </Typography.Text>
        <Tag>{c.sn}</Tag>
        <span>
          {t('dashboard.time')} {dayjs(c.recordTime).format('HH:mm:ss')}
        </span>
        <Typography.Text type="secondary">
          {t('dashboard.received')} {dayjs(c.receivedAt).format('HH:mm:ss')}
        </Typography.Text>
        {c.flags.length > 0 && (
          // The codes themselves are the attendance page's to explain; here, that there are some.
          <Tag color="orange" title={c.flags.join(', ')}>
            {t('dashboard.flagged', { count: c.flags.length })}
          </Tag>
        )}
      </Space>
    </div>
  );
}

export function LiveFeed({ feed }: { feed: ClockIn[] }) {
  const { t } = useTranslation();
  return (
    <Card title={t('dashboard.live')} data-testid="live-feed">
      {feed.length === 0 ? (
        <EmptyState>{t('dashboard.liveEmpty')}</EmptyState>
      ) : (
        // antd's List is deprecated in v6 (Listy is a virtual list): a short feed is a Flex.
        <Flex vertical>
          {feed.map((c, i) => (
            <Fragment key={c.id}>
              {i > 0 && <Divider style={{ margin: '8px 0' }} />}
              <FeedItem c={c} />
            </Fragment>
          ))}
        </Flex>
      )}
    </Card>
  );
}
