/**
 * The "teams" and "sub-contractors" tabs: a site's teams (班组) and sub-contractors
 * (参建/分包单位), listed a page at a time, added, renamed and removed by the site's
 * writers (operators and the site's managers). A team may name one of the site's
 * sub-contractors. The API's 409s (a name taken, a sub-contractor still named by a team)
 * are shown as it words them.
 */
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Table } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf } from '../../access';
import { api, type Page } from '../../api/client';
import { useSession } from '../../api/session';
import { EmptyState, LoadError } from '../../components/page-state';
import type { Subcontractor, Team } from './types';
import { problemText } from './use-site';

type Kind = 'teams' | 'subcontractors';
type Row = Team | Subcontractor;

interface Values {
  name: string;
  subcontractorId?: string | null;
}

function useParts<T>(siteId: string, kind: Kind, enabled = true) {
  return useInfiniteQuery({
    queryKey: ['sites', siteId, kind],
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api<Page<T>>('GET', `/sites/${encodeURIComponent(siteId)}/${kind}`, {
        query: { limit: 100, cursor: pageParam },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function SiteParts({ siteId, kind }: { siteId: string; kind: Kind }) {
  const { t } = useTranslation();
  const session = useSession()!;
  const canEdit = accessOf(session.account.role).changeSiteData;
  const list = useParts<Row>(siteId, kind);
  // A team names a sub-contractor: its names for the column and the form's choice.
  const subs = useParts<Subcontractor>(siteId, 'subcontractors', kind === 'teams');
  const subList = subs.data?.pages.flatMap((p) => p.items) ?? [];
  const subName = new Map(subList.map((s) => [s.id, s.name]));
  const [editing, setEditing] = useState<Row | 'new' | null>(null);
  const qc = useQueryClient();
  const { message } = App.useApp();
  const base = `/sites/${encodeURIComponent(siteId)}/${kind}`;
  const done = () => void qc.invalidateQueries({ queryKey: ['sites', siteId] });

  const save = useMutation({
    mutationFn: (v: Values) => {
      const body =
        kind === 'teams'
          ? { name: v.name.trim(), subcontractorId: v.subcontractorId ?? null }
          : { name: v.name.trim() };
      return editing === 'new' || editing === null
        ? api<Row>('POST', base, { body })
        : api<Row>('PATCH', `${base}/${encodeURIComponent(editing.id)}`, { body });
    },
    onSuccess: () => {
      setEditing(null);
      done();
      void message.success(t('common.saved'));
    },
    onError: (err) => void message.error(problemText(err)),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `${base}/${encodeURIComponent(id)}`),
    onSuccess: done,
    onError: (err) => void message.error(problemText(err)),
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  if (list.error && rows.length === 0)
    return <LoadError error={list.error} onRetry={() => void list.refetch()} />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {canEdit ? (
        <Button icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid={`${kind}-add`}>
          {t(`sites.parts.${kind}.add`)}
        </Button>
      ) : null}
      <Table<Row>
        rowKey="id"
        size="small"
        loading={list.isPending}
        dataSource={rows}
        pagination={false}
        scroll={{ x: true }}
        locale={{ emptyText: <EmptyState /> }}
        columns={[
          { title: t('sites.parts.name'), dataIndex: 'name' },
          ...(kind === 'teams'
            ? [
                {
                  title: t('sites.parts.subcontractor'),
                  key: 'sub',
                  render: (_: unknown, r: Row) => {
                    const id = (r as Team).subcontractorId;
                    return id ? (subName.get(id) ?? id) : '—';
                  },
                },
              ]
            : []),
          ...(canEdit
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  width: 120,
                  render: (_: unknown, r: Row) => (
                    <Space>
                      <Button
                        type="text"
                        icon={<EditOutlined />}
                        aria-label={t('sites.parts.rename', { name: r.name })}
                        onClick={() => setEditing(r)}
                      />
                      <Popconfirm
                        title={t('sites.parts.removeConfirm', { name: r.name })}
                        okText={t('common.delete')}
                        cancelText={t('common.cancel')}
                        okButtonProps={{ danger: true }}
                        onConfirm={() => remove.mutate(r.id)}
                      >
                        <Button
                          type="text"
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={t('sites.parts.remove', { name: r.name })}
                        />
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {list.hasNextPage ? (
        <Button block loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t('common.more')}
        </Button>
      ) : null}
      <PartForm
        kind={kind}
        editing={editing}
        subcontractors={subList}
        saving={save.isPending}
        onSubmit={(v) => save.mutate(v)}
        onCancel={() => setEditing(null)}
      />
    </Space>
  );
}

function PartForm({
  kind,
  editing,
  subcontractors,
  saving,
  onSubmit,
  onCancel,
}: {
  kind: Kind;
  editing: Row | 'new' | null;
  subcontractors: Subcontractor[];
  saving: boolean;
  onSubmit(v: Values): void;
  onCancel(): void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  useEffect(() => {
    if (editing === null) return;
    form.setFieldsValue(
      editing === 'new'
        ? { name: '', subcontractorId: null }
        : { name: editing.name, subcontractorId: (editing as Team).subcontractorId ?? null },
    );
  }, [editing, form]);
  return (
    <Modal
      open={editing !== null}
      title={editing === 'new' ? t(`sites.parts.${kind}.add`) : t(`sites.parts.${kind}.edit`)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onCancel}
      forceRender
    >
      <Form form={form} layout="vertical" name={`site-${kind}`} onFinish={onSubmit}>
        <Form.Item
          name="name"
          label={t('sites.parts.name')}
          rules={[{ required: true, whitespace: true, message: t('sites.parts.nameRequired') }, { max: 100 }]}
        >
          <Input maxLength={100} />
        </Form.Item>
        {kind === 'teams' ? (
          <Form.Item name="subcontractorId" label={t('sites.parts.subcontractor')}>
            <Select
              allowClear
              placeholder={t('sites.parts.noSubcontractor')}
              options={subcontractors.map((s) => ({ value: s.id, label: s.name }))}
            />
          </Form.Item>
        ) : null}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
