/**
 * A worker's site assignments (进场/退场): the list from the person's answer, "end" on an
 * active one (POST …/assignments/{id}/end: the site's devices delete the person), the
 * phone clock-in code for an active one (mobile-code.tsx: only a worker on the site's
 * roster gets one) and "assign to a site" (POST /persons/{id}/assignments: sent to every
 * device of the site).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, DatePicker, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { SiteOption } from '../../api/sites';
import { MobileCodeButton } from './mobile-code';
import type { Assignment } from './types';

interface NewAssignment {
  siteId: string;
  company?: string;
  team?: string;
  trade?: string;
  joinedOn?: Dayjs;
}

export function Assignments({
  personId,
  assignments,
  sites,
  nameOf,
  canWrite,
}: {
  personId: string;
  assignments: Assignment[];
  sites: SiteOption[];
  nameOf: (id: string | null) => string;
  canWrite: boolean;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<NewAssignment>();
  const refresh = () => void client.invalidateQueries({ queryKey: ['persons', personId] });
  const fail = (e: unknown) =>
    void message.error(e instanceof ApiProblem ? (e.detail ?? e.title) : String(e));

  const end = useMutation({
    mutationFn: (a: Assignment) =>
      api<Assignment>('POST', `/persons/${personId}/assignments/${a.assignmentId}/end`),
    onSuccess: refresh,
    onError: fail,
  });
  const add = useMutation({
    mutationFn: (v: NewAssignment) =>
      api<Assignment>('POST', `/persons/${personId}/assignments`, {
        body: {
          siteId: v.siteId,
          company: v.company || undefined,
          team: v.team || undefined,
          trade: v.trade || undefined,
          joinedOn: v.joinedOn?.format('YYYY-MM-DD'),
        },
      }),
    onSuccess: () => {
      setAdding(false);
      form.resetFields();
      refresh();
    },
    onError: fail,
  });

  return (
    <>
      <Table<Assignment>
        size="small"
        rowKey="assignmentId"
        pagination={false}
        scroll={{ x: true }}
        dataSource={assignments}
        data-testid="assignments"
        columns={[
          { title: t('workers.site'), dataIndex: 'siteId', render: (s: string) => nameOf(s) },
          { title: t('workers.team'), dataIndex: 'team', responsive: ['md'] },
          { title: t('workers.trade'), dataIndex: 'trade', responsive: ['md'] },
          { title: t('workers.company'), dataIndex: 'company', responsive: ['lg'] },
          { title: t('workers.joinedOn'), dataIndex: 'joinedOn' },
          { title: t('workers.leftOn'), dataIndex: 'leftOn', responsive: ['md'] },
          {
            title: t('workers.status'),
            dataIndex: 'status',
            render: (s: string) => (
              <Tag color={s === 'active' ? 'green' : 'default'}>
                {s === 'active' ? t('workers.active') : t('workers.ended')}
              </Tag>
            ),
          },
          ...(canWrite
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, a: Assignment) =>
                    a.status === 'active' && (
                      <Space wrap>
                        <MobileCodeButton personId={personId} siteId={a.siteId} siteName={nameOf(a.siteId)} />
                        <Popconfirm title={t('workers.endConfirm')} onConfirm={() => end.mutate(a)}>
                          <Button size="small" danger loading={end.isPending && end.variables === a}>
                            {t('workers.end')}
                          </Button>
                        </Popconfirm>
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
      {canWrite && (
        <Button style={{ marginTop: 12 }} onClick={() => setAdding(true)}>
          {t('workers.assign')}
        </Button>
      )}
      <Modal
        open={adding}
        title={t('workers.assign')}
        onCancel={() => setAdding(false)}
        onOk={() => form.submit()}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={add.isPending}
        forceRender
      >
        <Form<NewAssignment> form={form} layout="vertical" onFinish={(v) => add.mutate(v)}>
          <Form.Item name="siteId" label={t('workers.site')} rules={[{ required: true }]}>
            <Select options={sites.map((s) => ({ value: s.id, label: s.name }))} />
          </Form.Item>
          <Form.Item name="company" label={t('workers.company')}>
            <Input maxLength={128} />
          </Form.Item>
          <Form.Item name="team" label={t('workers.team')}>
            <Input maxLength={128} />
          </Form.Item>
          <Form.Item name="trade" label={t('workers.trade')}>
            <Input maxLength={64} />
          </Form.Item>
          <Form.Item name="joinedOn" label={t('workers.joinedOn')}>
            <DatePicker style={{ width: '100%' }} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
