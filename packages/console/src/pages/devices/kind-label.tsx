/**
 * A device's kind as the tables and the detail show it. A phone (kind `mobile`: a worker's
 * own phone running the clock-in page at /m/, registered with a one-time code from the
 * worker's page) carries a phone icon, so it is not taken for a terminal on the gate.
 */
import { MobileOutlined } from '@ant-design/icons';
import { Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { DeviceKind } from './types';

export function KindLabel({ kind }: { kind: DeviceKind }) {
  const { t } = useTranslation();
  const label = t(`devices.kinds.${kind}`);
  if (kind !== 'mobile') return label;
  return (
    <Space size={4} data-testid="kind-mobile">
      <MobileOutlined />
      {label}
    </Space>
  );
}
