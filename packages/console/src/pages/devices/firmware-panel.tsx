/**
 * This device's firmware: the version it reports and its firmware tasks
 * (T_UPDATE_DEVICE_VERSION) with their state: a rollout's progress as this device sees it.
 */
import { Descriptions, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { TasksPanel } from './tasks-panel';
import type { Device } from './types';

export function FirmwarePanel({ device }: { device: Device }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('devices.version')}>{device.deviceVersion ?? '—'}</Descriptions.Item>
      </Descriptions>
      <TasksPanel device={device} apicode="T_UPDATE_DEVICE_VERSION" />
    </Space>
  );
}
