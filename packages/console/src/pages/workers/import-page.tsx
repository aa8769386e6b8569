/**
 * Bulk import (POST /imports, multipart): a roster (CSV or XLSX, docs/roster-template.csv)
 * and optionally a ZIP of photos named by ID number, into one site. A dry run comes first
 * (checks every row, stores nothing); "apply" is offered once a dry run of the same files
 * has finished. A long import answers 202: its progress is polled (GET /imports/{id})
 * until done; then the per-row report (import-rows.tsx).
 */

import { UploadOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Progress, Select, Space, Statistic, Upload, type UploadFile } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { accessOf } from '../../access';
import { ApiProblem, api } from '../../api/client';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { LoadError } from '../../components/page-state';
import { ImportRows, NoteText, noteKey } from './import-rows';
import { fileListOf } from './photo-upload';
import type { ImportJob } from './types';

interface Values {
  siteId: string;
  roster: UploadFile[];
  photos?: UploadFile[];
}

export function ImportPage() {
  const { t } = useTranslation();
  const session = useSession();
  const canWrite = session ? accessOf(session.account.role).changeSiteData : false;
  const { sites } = useSites();
  const [form] = Form.useForm<Values>();
  const [jobId, setJobId] = useState<string>();
  /** The dry run's files are what "apply" sends; any change of the form asks for a new dry run. */
  const [dryRunOf, setDryRunOf] = useState<Values>();

  const start = useMutation({
    mutationFn: async ({ v, mode }: { v: Values; mode: 'dry-run' | 'apply' }) => {
      const fd = new FormData();
      fd.set('siteId', v.siteId);
      fd.set('mode', mode);
      const roster = v.roster[0]?.originFileObj;
      if (roster) fd.set('roster', roster, roster.name);
      const photos = v.photos?.[0]?.originFileObj;
      if (photos) fd.set('photos', photos, photos.name);
      return { job: await api<ImportJob>('POST', '/imports', { body: fd }), v };
    },
    onMutate: () => setJobId(undefined),
    onSuccess: ({ job, v }) => {
      setJobId(job.id);
      setDryRunOf(job.mode === 'dry-run' ? v : undefined);
    },
  });

  const job = useQuery({
    queryKey: ['imports', jobId],
    enabled: jobId !== undefined,
    queryFn: ({ signal }) => api<ImportJob>('GET', `/imports/${jobId}`, { signal }),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
  });

  if (!canWrite) return <Alert type="warning" showIcon title={t('common.forbidden')} />;
  const j = job.data;
  const fileRule = [{ required: true, type: 'array' as const, min: 1 }];
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('workers.import.title')} extra={<Link to="/workers">{t('workers.back')}</Link>}>
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('workers.import.help')} />
        <Form<Values>
          form={form}
          layout="vertical"
          onValuesChange={() => setDryRunOf(undefined)}
          onFinish={(v) => start.mutate({ v, mode: 'dry-run' })}
          data-testid="import-form"
        >
          <Form.Item name="siteId" label={t('workers.site')} rules={[{ required: true }]}>
            <Select options={sites.map((s) => ({ value: s.id, label: s.name }))} style={{ maxWidth: 360 }} />
          </Form.Item>
          <Form.Item
            name="roster"
            label={t('workers.import.roster')}
            valuePropName="fileList"
            getValueFromEvent={fileListOf}
            rules={fileRule}
          >
            <Upload accept=".csv,.xlsx" maxCount={1} beforeUpload={() => false}>
              <Button icon={<UploadOutlined />}>{t('workers.import.pickRoster')}</Button>
            </Upload>
          </Form.Item>
          <Form.Item
            name="photos"
            label={t('workers.import.photos')}
            valuePropName="fileList"
            getValueFromEvent={fileListOf}
            extra={t('workers.import.photosHelp')}
          >
            <Upload accept=".zip" maxCount={1} beforeUpload={() => false}>
              <Button icon={<UploadOutlined />}>{t('workers.import.pickPhotos')}</Button>
            </Upload>
          </Form.Item>
          <Space wrap>
            <Button htmlType="submit" loading={start.isPending && start.variables?.mode === 'dry-run'}>
              {t('workers.import.dryRun')}
            </Button>
            <Button
              type="primary"
              disabled={!dryRunOf || j?.status !== 'done' || start.isPending}
              loading={start.isPending && start.variables?.mode === 'apply'}
              onClick={() => dryRunOf && start.mutate({ v: dryRunOf, mode: 'apply' })}
            >
              {t('workers.import.apply')}
            </Button>
          </Space>
        </Form>
        {start.error && (
          <div style={{ marginTop: 16 }}>
            <Alert
              type="error"
              showIcon
              title={start.error instanceof ApiProblem ? start.error.title : String(start.error)}
              description={
                start.error instanceof ApiProblem
                  ? [start.error.detail, ...start.error.errors.map((e) => `${e.path}: ${e.message}`)]
                      .filter(Boolean)
                      .join('; ')
                  : undefined
              }
            />
          </div>
        )}
      </Card>
      {jobId && job.error && <LoadError error={job.error} onRetry={() => void job.refetch()} />}
      {j && (
        <Card
          title={t(j.mode === 'apply' ? 'workers.import.applied' : 'workers.import.dryRunResult')}
          data-testid="import-job"
        >
          <Progress
            percent={j.progress.total ? Math.round((100 * j.progress.done) / j.progress.total) : 0}
            status={j.status === 'failed' ? 'exception' : j.status === 'running' ? 'active' : 'success'}
          />
          <Space wrap size="large" style={{ margin: '12px 0' }}>
            {(['created', 'updated', 'unchanged', 'failed'] as const).map((k) => (
              <Statistic key={k} title={t(`workers.import.outcomes.${k}`)} value={j.totals[k]} />
            ))}
          </Space>
          {j.error && <Alert type="error" showIcon title={j.error} />}
          {(j.notes ?? []).map((n) => (
            <NoteText key={noteKey(n)} note={n} />
          ))}
          {j.status !== 'running' && <ImportRows importId={j.id} version={j.progress.done} />}
        </Card>
      )}
    </Space>
  );
}
