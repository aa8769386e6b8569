/** A device's live status as a tag, with when it was last seen. */
import { Tag, Tooltip } from 'antd';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import type { Device } from './types';

export function OnlineTag({ device }: { device: Pick<Device, 'online' | 'disabled' | 'lastSeenAt'> }) {
  const { t } = useTranslation();
  const tag = device.disabled ? (
    <Tag>{t('devices.disabled')}</Tag>
  ) : device.online ? (
    <Tag color="success">{t('devices.online')}</Tag>
  ) : (
    <Tag color="default">{t('devices.offline')}</Tag>
  );
  return device.lastSeenAt ? (
    <Tooltip title={dayjs(device.lastSeenAt).format('YYYY-MM-DD HH:mm:ss')}>{tag}</Tooltip>
  ) : (
    tag
  );
}

export function when(iso: string | null): string {
  return iso ? dayjs(iso).format('YYYY-MM-DD HH:mm:ss') : '—';
}
