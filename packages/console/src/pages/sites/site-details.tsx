/**
 * The "details" tab: the site's fields, editing them (PATCH with If-Match: a 412 says
 * someone else saved first and reloads) and deleting a site made by mistake (a 409
 * explains what still depends on it). Operators only; others read.
 */
import { DeleteOutlined, EditOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Descriptions, Popconfirm, Space } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { accessOf } from '../../access';
import { ApiProblem, api } from '../../api/client';
import { useSession } from '../../api/session';
import { SiteFormModal } from './site-form';
import type { Site } from './types';
import { problemText, usePatchSite } from './use-site';

export function SiteDetails({ site }: { site: Site }) {
  const { t } = useTranslation();
  const session = useSession()!;
  const canEdit = accessOf(session.account.role).manageSites;
  const [editing, setEditing] = useState(false);
  const patch = usePatchSite(site);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message, modal } = App.useApp();
  const remove = useMutation({
    mutationFn: () =>
      api<void>('DELETE', `/sites/${encodeURIComponent(site.id)}`, { headers: { 'If-Match': site.etag } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['sites', 'list'] });
      void message.success(t('sites.deleted', { name: site.name }));
      navigate('/sites');
    },
    onError: (err) => {
      if (err instanceof ApiProblem && err.status === 409)
        modal.error({ title: t('sites.deleteRefused'), content: err.detail ?? err.title });
      else if (err instanceof ApiProblem && err.status === 412) {
        modal.warning({ title: t('sites.stale.title'), content: t('sites.stale.detail') });
        void qc.invalidateQueries({ queryKey: ['sites', 'one', site.id] });
      } else void message.error(problemText(err));
    },
  });
  const none = <span style={{ color: '#999' }}>—</span>;
  const loc = site.location;

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Descriptions
        bordered
        size="small"
        column={{ xs: 1, md: 2 }}
        items={[
          { key: 'name', label: t('sites.field.name'), children: site.name },
          { key: 'address', label: t('sites.field.address'), children: site.address ?? none },
          {
            key: 'gc',
            label: t('sites.field.generalContractor'),
            children: site.generalContractor ?? none,
          },
          {
            key: 'location',
            label: t('sites.field.location'),
            children: loc ? `${loc.lat}, ${loc.lng}` : none,
          },
          {
            key: 'fence',
            label: t('sites.field.geofence'),
            children: site.geofence
              ? site.geofence.type === 'circle'
                ? t('sites.fence.circleSummary', { r: site.geofence.radiusMeters })
                : t('sites.fence.polygonSummary', { n: site.geofence.points.length })
              : t('sites.fence.noneShort'),
          },
          {
            key: 'tolerance',
            label: t('sites.fence.tolerance'),
            children: `${site.fenceToleranceMeters} ${t('sites.fence.meters')}`,
          },
          {
            key: 'created',
            label: t('sites.field.createdAt'),
            children: dayjs(site.createdAt).format('YYYY-MM-DD HH:mm:ss'),
          },
          {
            key: 'updated',
            label: t('sites.field.updatedAt'),
            children: dayjs(site.updatedAt).format('YYYY-MM-DD HH:mm:ss'),
          },
          { key: 'id', label: t('sites.field.id'), children: site.id },
        ]}
      />
      {canEdit ? (
        <Space wrap>
          <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="site-edit">
            {t('common.edit')}
          </Button>
          <Popconfirm
            title={t('sites.deleteConfirm', { name: site.name })}
            description={t('sites.deleteHelp')}
            okText={t('common.delete')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() => remove.mutate()}
          >
            <Button danger icon={<DeleteOutlined />} loading={remove.isPending} data-testid="site-delete">
              {t('common.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ) : null}
      <SiteFormModal
        open={editing}
        site={site}
        saving={patch.isPending}
        error={patch.error}
        onSubmit={(input) => patch.mutate(input, { onSuccess: () => setEditing(false) })}
        onCancel={() => setEditing(false)}
      />
    </Space>
  );
}
