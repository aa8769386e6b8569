/**
 * The "fence" tab: draw the site's geofence on the coordinate canvas or type its numbers,
 * set the tolerance, and save it as the API takes it (`geofence` circle or polygon,
 * `fenceToleranceMeters`) with the site's etag. Devices and recent located clock-ins are
 * plotted to draw the fence around where people actually clock in.
 */
import {
  AimOutlined,
  CheckOutlined,
  DragOutlined,
  SettingOutlined,
  ZoomInOutlined,
  ZoomOutOutlined,
} from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Col,
  Form,
  Input,
  InputNumber,
  Popover,
  Row,
  Segmented,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf } from '../../../access';
import { useSession } from '../../../api/session';
import { LoadError } from '../../../components/page-state';
import type { Geofence, LatLng, Site } from '../types';
import { usePatchSite } from '../use-site';
import { CANVAS, type DrawMode, FenceCanvas } from './fence-canvas';
import { FenceShapeForm } from './fence-shape-form';
import { fitView, type View } from './geo';
import { useTileTemplate, validTemplate } from './tile-setting';
import { usePlotPoints } from './use-plot-points';

/** Where the canvas starts for a site with neither location nor fence (Hangzhou). */
const DEFAULT_CENTER: LatLng = { lat: 30.2741, lng: 120.1551 };
const MAX_TOLERANCE_METERS = 5_000;

export function FenceEditor({ site }: { site: Site }) {
  const { t } = useTranslation();
  const session = useSession()!;
  const canEdit = accessOf(session.account.role).manageSites;
  const [fence, setFence] = useState<Geofence | null>(site.geofence);
  const [tolerance, setTolerance] = useState(site.fenceToleranceMeters);
  const [pending, setPending] = useState<LatLng[]>([]);
  const [mode, setMode] = useState<DrawMode>('pan');
  const [view, setView] = useState<View>(() =>
    fitView(site.geofence, site.location ?? DEFAULT_CENTER, CANVAS),
  );
  const [tileTemplate, setTileTemplate] = useTileTemplate();
  const plot = usePlotPoints(site.id);
  const patch = usePatchSite(site);

  // A fresh read of the site (after a save, or a 412's reload) resets the draft.
  useEffect(() => {
    setFence(site.geofence);
    setTolerance(site.fenceToleranceMeters);
    setPending([]);
  }, [site.geofence, site.fenceToleranceMeters]);

  const dirty =
    JSON.stringify(fence) !== JSON.stringify(site.geofence) || tolerance !== site.fenceToleranceMeters;
  const zoom = (f: number) => setView((v) => ({ ...v, metersPerPixel: v.metersPerPixel * f }));
  const chooseMode = (m: DrawMode) => {
    setMode(m);
    setPending([]);
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Segmented<DrawMode>
              value={mode}
              onChange={chooseMode}
              options={[
                { value: 'pan', label: t('sites.fence.pan'), icon: <DragOutlined /> },
                ...(canEdit
                  ? [
                      { value: 'circle' as const, label: t('sites.fence.drawCircle') },
                      { value: 'polygon' as const, label: t('sites.fence.drawPolygon') },
                    ]
                  : []),
              ]}
            />
            <Button
              icon={<ZoomInOutlined />}
              aria-label={t('sites.fence.zoomIn')}
              onClick={() => zoom(0.5)}
            />
            <Button
              icon={<ZoomOutOutlined />}
              aria-label={t('sites.fence.zoomOut')}
              onClick={() => zoom(2)}
            />
            <Button
              icon={<AimOutlined />}
              onClick={() => setView(fitView(fence, site.location ?? view.center, CANVAS))}
            >
              {t('sites.fence.fit')}
            </Button>
            <TileSettings template={tileTemplate} onSave={setTileTemplate} />
          </Space>
          {mode === 'polygon' ? (
            <Space wrap>
              <Typography.Text type="secondary">{t('sites.fence.polygonHelp')}</Typography.Text>
              <Button
                size="small"
                icon={<CheckOutlined />}
                disabled={pending.length < 3}
                data-testid="fence-close-polygon"
                onClick={() => {
                  setFence({ type: 'polygon', points: pending });
                  setPending([]);
                }}
              >
                {t('sites.fence.closePolygon')}
              </Button>
            </Space>
          ) : mode === 'circle' ? (
            <Typography.Text type="secondary">{t('sites.fence.circleHelp')}</Typography.Text>
          ) : null}
          <FenceCanvas
            view={view}
            onView={setView}
            mode={mode}
            fence={fence}
            onFence={setFence}
            pending={pending}
            onPending={setPending}
            devices={plot.devices}
            clockIns={plot.points}
            tileTemplate={tileTemplate}
          />
          <Space wrap size="small">
            <Tag color="blue">{t('sites.fence.legendDevices', { n: plot.devices.length })}</Tag>
            <Tag color="green">{t('sites.fence.legendClockIns', { n: plot.points.length })}</Tag>
            {plot.deviceCount > plot.devices.length ? (
              <Typography.Text type="secondary">
                {t('sites.fence.unplacedDevices', { n: plot.deviceCount - plot.devices.length })}
              </Typography.Text>
            ) : null}
          </Space>
          {plot.error ? <LoadError error={plot.error} onRetry={plot.refetch} /> : null}
        </Space>
      </Col>
      <Col xs={24} xl={10}>
        <Card title={t('sites.fence.shape')} size="small" data-testid="fence-numbers">
          <Space orientation="vertical" style={{ width: '100%' }}>
            {fence ? (
              <>
                <Typography.Text strong data-testid="fence-type">
                  {t(`sites.fence.type.${fence.type}`)}
                </Typography.Text>
                <FenceShapeForm fence={fence} onFence={setFence} disabled={!canEdit} />
              </>
            ) : (
              <Alert type="info" showIcon title={t('sites.fence.none')} />
            )}
            <Form layout="inline">
              <Form.Item label={t('sites.fence.tolerance')} tooltip={t('sites.fence.toleranceHelp')}>
                <InputNumber
                  aria-label={t('sites.fence.tolerance')}
                  data-testid="fence-tolerance"
                  value={tolerance}
                  min={0}
                  max={MAX_TOLERANCE_METERS}
                  precision={1}
                  suffix={t('sites.fence.meters')}
                  disabled={!canEdit}
                  onChange={(v) => setTolerance(typeof v === 'number' ? v : 0)}
                />
              </Form.Item>
            </Form>
            {canEdit ? (
              <Space wrap>
                <Button
                  type="primary"
                  data-testid="fence-save"
                  disabled={!dirty || pending.length > 0}
                  loading={patch.isPending}
                  onClick={() => patch.mutate({ geofence: fence, fenceToleranceMeters: tolerance })}
                >
                  {t('common.save')}
                </Button>
                <Button disabled={!dirty} onClick={() => setFence(site.geofence)}>
                  {t('sites.fence.revert')}
                </Button>
                <Button danger disabled={!fence} onClick={() => setFence(null)}>
                  {t('sites.fence.clear')}
                </Button>
              </Space>
            ) : null}
            {dirty ? <Typography.Text type="warning">{t('sites.fence.unsaved')}</Typography.Text> : null}
          </Space>
        </Card>
      </Col>
    </Row>
  );
}

/** The map-tile setting: a URL template kept in this browser; empty means the plain grid. */
function TileSettings({ template, onSave }: { template: string; onSave(t: string): void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(template);
  const [open, setOpen] = useState(false);
  const bad = draft.trim() !== '' && !validTemplate(draft.trim());
  return (
    <Popover
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        setDraft(template);
      }}
      trigger="click"
      title={t('sites.fence.tiles')}
      content={
        <Form
          layout="vertical"
          style={{ width: 360 }}
          onFinish={() => {
            onSave(draft);
            setOpen(false);
          }}
        >
          <Form.Item
            label={t('sites.fence.tileTemplate')}
            help={bad ? t('sites.fence.tileInvalid') : t('sites.fence.tileHelp')}
            validateStatus={bad ? 'error' : undefined}
          >
            <Input
              value={draft}
              placeholder="https://tile.example.org/{z}/{x}/{y}.png"
              onChange={(e) => setDraft(e.target.value)}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" disabled={bad}>
            {t('common.save')}
          </Button>
        </Form>
      }
    >
      <Button icon={<SettingOutlined />}>{t('sites.fence.tiles')}</Button>
    </Popover>
  );
}
