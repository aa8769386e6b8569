/**
 * One device (/devices/:sn): its status, edit and bind forms, the actions, and tabs for
 * its distribution, task history, event log and firmware. A phone (kind `mobile`) says so,
 * links to its worker when the platform reports them, and says how it is disabled. A 404 (no such device, or
 * outside the caller's scope: the API does not tell them apart) shows "not found".
 * Live: device.online/offline, task.finished and distribution.changed for this device
 * refetch what they change.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { accessOf } from '../../access';
import { ApiProblem, api } from '../../api/client';
import { useLiveEvents } from '../../api/live';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { LoadError, Loading, NotFound } from '../../components/page-state';
import { DeviceActions } from './device-actions';
import { DistributionPanel } from './distribution-panel';
import { EventsPanel } from './events-panel';
import { FirmwarePanel } from './firmware-panel';
import { KindLabel } from './kind-label';
import { OnlineTag, when } from './online-tag';
import { TasksPanel } from './tasks-panel';
import type { Device } from './types';
import { UploadDelay } from './upload-delay';
import { useVendorNames } from './use-vendors';

export default function DeviceDetail() {
  const { t } = useTranslation();
  const sn = useParams().sn ?? '';
  const session = useSession();
  const access = session ? accessOf(session.account.role) : undefined;
  const client = useQueryClient();
  const { nameOf } = useSites();
  const vendorName = useVendorNames();
  const q = useQuery({
    queryKey: ['devices', 'one', sn],
    // Heartbeats (last seen, version, IP) raise no event: refresh now and then.
    refetchInterval: 30_000,
    queryFn: ({ signal }) => api<Device>('GET', `/devices/${encodeURIComponent(sn)}`, { signal }),
  });
  useLiveEvents(['device.online', 'device.offline', 'task.finished', 'distribution.changed'], (e) => {
    if (e.data.sn === sn || e.data.deviceId === q.data?.deviceId)
      void client.invalidateQueries({ queryKey: ['devices'] });
  });

  if (q.isPending) return <Loading />;
  if (q.error instanceof ApiProblem && q.error.status === 404) return <NotFound />;
  if (q.error || !q.data) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const d = q.data;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Space wrap align="center">
        <Link to="/devices">{t('devices.back')}</Link>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="device-title">
          {d.sn}
        </Typography.Title>
        <OnlineTag device={d} />
      </Space>
      {d.kind === 'mobile' && access?.manageDevices && (
        <Alert type="info" showIcon data-testid="mobile-hint" title={t('devices.mobileHint')} />
      )}
      <Card>
        <Descriptions column={{ xs: 1, md: 2, xl: 3 }} size="small" data-testid="device-facts">
          <Descriptions.Item label={t('devices.vendor')}>{vendorName(d.vendorId)}</Descriptions.Item>
          <Descriptions.Item label={t('devices.site')}>
            <span data-testid="device-site">{d.siteId ? nameOf(d.siteId) : t('devices.unbound')}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('devices.kind')}>
            <KindLabel kind={d.kind} />
          </Descriptions.Item>
          {d.personId && (
            <Descriptions.Item label={t('devices.worker')}>
              <Link to={`/workers/${encodeURIComponent(d.personId)}`} data-testid="device-worker">
                {d.personId}
              </Link>
            </Descriptions.Item>
          )}
          <Descriptions.Item label={t('devices.direction')}>
            {t(`devices.directions.${d.direction}`)}
          </Descriptions.Item>
          <Descriptions.Item label={t('devices.version')}>{d.deviceVersion ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('devices.ip')}>{d.deviceIp ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('devices.lastSeen')}>{when(d.lastSeenAt)}</Descriptions.Item>
          <Descriptions.Item label={t('devices.firstSeen')}>{when(d.firstSeenAt)}</Descriptions.Item>
          <Descriptions.Item label={t('devices.capacity')}>
            {d.faceCapacity}
            {d.faceCapacityIsDefault ? ` (${t('devices.default')})` : ''}
          </Descriptions.Item>
          <Descriptions.Item label={t('devices.reported')}>
            {d.reportedPersonCount ?? '—'} / {d.reportedFaceCount ?? '—'} ({when(d.reportedAt)})
          </Descriptions.Item>
          {access?.attendance && (
            <Descriptions.Item label={t('devices.uploadDelay')}>
              <UploadDelay deviceId={d.deviceId} />
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      {access?.manageDevices && <DeviceActions device={d} />}
      <Card>
        <Tabs
          items={[
            {
              key: 'distribution',
              label: t('devices.tabs.distribution'),
              children: <DistributionPanel sn={d.sn} />,
            },
            { key: 'tasks', label: t('devices.tabs.tasks'), children: <TasksPanel device={d} /> },
            { key: 'events', label: t('devices.tabs.events'), children: <EventsPanel sn={d.sn} /> },
            { key: 'firmware', label: t('devices.tabs.firmware'), children: <FirmwarePanel device={d} /> },
          ]}
        />
      </Card>
    </Space>
  );
}
