/**
 * What a site writer does to one device: edit it, bind it to a site or unbind it, and the
 * actions resync / clear / reconcile / repair (POST /devices/{sn}/<action>). Each action
 * asks for confirmation first (they clear devices or queue work on them) and shows what
 * the API answered (the task queued, the persons sent, the differences repaired).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Select, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import { useSites } from '../../api/sites';
import { DeviceEdit } from './device-edit';
import type { Device } from './types';

type Action = 'resync' | 'clear' | 'reconcile' | 'repair' | 'unbind' | 'bind';

interface ActionResult {
  taskId?: string | null;
  queued?: number;
  refused?: number;
  missing?: number;
  extra?: number;
}

export function DeviceActions({ device }: { device: Device }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const client = useQueryClient();
  const { sites } = useSites();
  const [siteId, setSiteId] = useState<string | undefined>();
  const [editing, setEditing] = useState(false);
  const [result, setResult] = useState<
    { action: Action; r: ActionResult } | { action: Action; error: unknown }
  >();
  const path = `/devices/${encodeURIComponent(device.sn)}`;

  const run = useMutation({
    mutationFn: ({ action, body }: { action: Action; body?: unknown }) =>
      api<ActionResult>('POST', `${path}/${action}`, { query: { vendorId: device.vendorId }, body }),
    onSuccess: (r, v) => {
      setResult({ action: v.action, r });
      void client.invalidateQueries({ queryKey: ['devices'] });
    },
    onError: (error, v) => setResult({ action: v.action, error }),
  });

  const confirm = (action: Action, body?: unknown) =>
    modal.confirm({
      title: t(`devices.actions.${action}`),
      content: t(`devices.confirm.${action}`, { sn: device.sn }),
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: () => run.mutateAsync({ action, ...(body !== undefined ? { body } : {}) }).catch(() => undefined),
    });

  const describe = (r: ActionResult): string => {
    const parts: string[] = [];
    if (r.taskId) parts.push(t('devices.result.task', { id: r.taskId }));
    if (r.queued !== undefined) parts.push(t('devices.result.queued', { n: r.queued }));
    if (r.refused) parts.push(t('devices.result.refused', { n: r.refused }));
    if (r.missing !== undefined)
      parts.push(t('devices.result.repaired', { missing: r.missing, extra: r.extra ?? 0 }));
    return parts.join(' · ') || t('devices.result.none');
  };

  return (
    <Card title={t('devices.actionsTitle')}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Form
          layout="inline"
          onFinish={() => siteId && confirm('bind', { siteId })}
          aria-label={t('devices.bindTo')}
        >
          <Form.Item label={t('devices.bindTo')} htmlFor="bind-site">
            <Select
              id="bind-site"
              style={{ minWidth: 200 }}
              value={siteId}
              onChange={setSiteId}
              placeholder={t('devices.pickSite')}
              options={sites
                .filter((s) => s.id !== device.siteId)
                .map((s) => ({ value: s.id, label: s.name }))}
            />
          </Form.Item>
          <Form.Item>
            <Button htmlType="submit" type="primary" disabled={!siteId}>
              {t('devices.actions.bind')}
            </Button>
          </Form.Item>
        </Form>
        <Space wrap>
          <Button onClick={() => setEditing(true)}>{t('common.edit')}</Button>
          {device.siteId && (
            <>
              <Button onClick={() => confirm('resync')}>{t('devices.actions.resync')}</Button>
              <Button danger onClick={() => confirm('unbind')}>
                {t('devices.actions.unbind')}
              </Button>
            </>
          )}
          <Button danger onClick={() => confirm('clear')}>
            {t('devices.actions.clear')}
          </Button>
          <Button onClick={() => confirm('reconcile')}>{t('devices.actions.reconcile')}</Button>
          <Button onClick={() => confirm('repair')}>{t('devices.actions.repair')}</Button>
        </Space>
        {result && (
          <Alert
            data-testid="action-result"
            showIcon
            closable={{ onClose: () => setResult(undefined) }}
            type={'error' in result ? 'error' : 'success'}
            title={t(`devices.actions.${result.action}`)}
            description={
              'error' in result
                ? result.error instanceof ApiProblem
                  ? (result.error.detail ?? result.error.title)
                  : String(result.error)
                : describe(result.r)
            }
          />
        )}
      </Space>
      <DeviceEdit device={device} open={editing} onClose={() => setEditing(false)} />
    </Card>
  );
}
