/**
 * The drawn fence's numbers in antd inputs, editable by keyboard: a circle's centre and
 * radius in metres, or a polygon's vertices (add, change, remove). What is typed here is
 * what the canvas shows and what is saved.
 */
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Form, InputNumber, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Geofence, LatLng } from '../types';
import { COORD_DECIMALS, roundCoord } from './geo';

const MAX_RADIUS_METERS = 50_000;

function CoordInput({
  value,
  onChange,
  min,
  max,
  label,
  testId,
  disabled,
}: {
  value: number;
  onChange(v: number): void;
  min: number;
  max: number;
  label: string;
  testId: string;
  disabled: boolean;
}) {
  return (
    <InputNumber
      aria-label={label}
      data-testid={testId}
      value={value}
      min={min}
      max={max}
      step={0.0001}
      precision={COORD_DECIMALS}
      disabled={disabled}
      style={{ width: 160 }}
      onChange={(v) => {
        if (typeof v === 'number') onChange(roundCoord(v));
      }}
    />
  );
}

export function FenceShapeForm({
  fence,
  onFence,
  disabled,
}: {
  fence: Geofence;
  onFence(g: Geofence): void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  if (fence.type === 'circle') {
    const setCenter = (c: Partial<LatLng>) => onFence({ ...fence, center: { ...fence.center, ...c } });
    return (
      <Form layout="inline" data-testid="fence-circle-form">
        <Form.Item label={t('sites.fence.centerLat')}>
          <CoordInput
            label={t('sites.fence.centerLat')}
            testId="fence-center-lat"
            value={fence.center.lat}
            min={-90}
            max={90}
            disabled={disabled}
            onChange={(lat) => setCenter({ lat })}
          />
        </Form.Item>
        <Form.Item label={t('sites.fence.centerLng')}>
          <CoordInput
            label={t('sites.fence.centerLng')}
            testId="fence-center-lng"
            value={fence.center.lng}
            min={-180}
            max={180}
            disabled={disabled}
            onChange={(lng) => setCenter({ lng })}
          />
        </Form.Item>
        <Form.Item label={t('sites.fence.radius')}>
          <InputNumber
            aria-label={t('sites.fence.radius')}
            data-testid="fence-radius"
            value={fence.radiusMeters}
            min={0.1}
            max={MAX_RADIUS_METERS}
            precision={1}
            suffix={t('sites.fence.meters')}
            disabled={disabled}
            style={{ width: 160 }}
            onChange={(v) => {
              if (typeof v === 'number' && v > 0) onFence({ ...fence, radiusMeters: v });
            }}
          />
        </Form.Item>
      </Form>
    );
  }
  const points = fence.points;
  const setPoint = (i: number, c: Partial<LatLng>) =>
    onFence({ type: 'polygon', points: points.map((q, j) => (j === i ? { ...q, ...c } : q)) });
  const rows = points.map((q, i) => ({ ...q, i }));
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="fence-polygon-form">
      <Typography.Text type="secondary">{t('sites.fence.vertexCount', { n: points.length })}</Typography.Text>
      <Table
        size="small"
        rowKey="i"
        pagination={false}
        dataSource={rows}
        scroll={{ x: true, y: 240 }}
        columns={[
          { title: '#', dataIndex: 'i', width: 48, render: (i: number) => i + 1 },
          {
            title: t('sites.fence.lat'),
            dataIndex: 'lat',
            render: (_: number, r: (typeof rows)[number]) => (
              <CoordInput
                label={t('sites.fence.vertexLat', { n: r.i + 1 })}
                testId={`fence-vertex-lat-${r.i}`}
                value={r.lat}
                min={-90}
                max={90}
                disabled={disabled}
                onChange={(lat) => setPoint(r.i, { lat })}
              />
            ),
          },
          {
            title: t('sites.fence.lng'),
            dataIndex: 'lng',
            render: (_: number, r: (typeof rows)[number]) => (
              <CoordInput
                label={t('sites.fence.vertexLng', { n: r.i + 1 })}
                testId={`fence-vertex-lng-${r.i}`}
                value={r.lng}
                min={-180}
                max={180}
                disabled={disabled}
                onChange={(lng) => setPoint(r.i, { lng })}
              />
            ),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            width: 64,
            render: (_: unknown, r: (typeof rows)[number]) => (
              <Button
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('sites.fence.removeVertex', { n: r.i + 1 })}
                disabled={disabled || points.length <= 3}
                onClick={() => onFence({ type: 'polygon', points: points.filter((_q, j) => j !== r.i) })}
              />
            ),
          },
        ]}
      />
      <Button
        icon={<PlusOutlined />}
        disabled={disabled}
        onClick={() => {
          // A new vertex halfway along the closing edge: inside the ring's shape, never crossing it.
          const a = points[points.length - 1]!;
          const b = points[0]!;
          const mid = { lat: roundCoord((a.lat + b.lat) / 2), lng: roundCoord((a.lng + b.lng) / 2) };
          onFence({ type: 'polygon', points: [...points, mid] });
        }}
      >
        {t('sites.fence.addVertex')}
      </Button>
    </Space>
  );
}
