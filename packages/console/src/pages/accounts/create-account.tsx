/**
 * Creating an account (POST /accounts): username, role, the sites a site manager may
 * see, the vendor a vendor account speaks for, and a password, or none to have one
 * generated — shown once, after the save, and never again.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../access';
import { ApiProblem, api, type Page } from '../../api/client';
import { SiteSelect } from '../attendance/site-select';
import type { AccountRow, VendorItem } from './types';

const FIELDS: readonly (keyof Values)[] = ['username', 'role', 'siteIds', 'vendorId', 'password'];

interface Values {
  username: string;
  role: Role;
  siteIds?: string[];
  vendorId?: string;
  password?: string;
}

export function CreateAccount({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (username: string, password: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const role = Form.useWatch('role', form);
  const qc = useQueryClient();
  const vendors = useQuery({
    queryKey: ['vendors', 'picker'],
    queryFn: ({ signal }) => api<Page<VendorItem>>('GET', '/vendors', { query: { limit: 500 }, signal }),
    enabled: open && role === 'vendor',
  });
  const create = useMutation({
    mutationFn: (v: Values) =>
      api<AccountRow & { password?: string }>('POST', '/accounts', {
        body: {
          username: v.username.trim(),
          role: v.role,
          ...(v.role === 'site_manager' ? { siteIds: v.siteIds ?? [] } : {}),
          ...(v.role === 'vendor' ? { vendorId: v.vendorId ?? null } : {}),
          ...(v.password ? { password: v.password } : {}),
        },
      }),
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      form.resetFields();
      onCreated(a.username, a.password);
    },
    onError: (err) => {
      if (err instanceof ApiProblem)
        form.setFields(
          err.errors.flatMap((e) => {
            const name = e.path.replace(/^body\./, '');
            return FIELDS.includes(name as keyof Values)
              ? [{ name: name as keyof Values, errors: [e.message] }]
              : [];
          }),
        );
    },
  });
  return (
    <Modal
      open={open}
      title={t('accounts.create.title')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ role: 'site_manager' }}
        onFinish={(v) => create.mutate(v)}
        data-testid="create-account-form"
      >
        {create.error && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={create.error instanceof ApiProblem ? create.error.title : t('accounts.create.failed')}
            description={create.error instanceof ApiProblem ? create.error.detail : undefined}
          />
        )}
        <Form.Item
          name="username"
          label={t('accounts.col.username')}
          rules={[{ required: true, min: 2, max: 64, message: t('accounts.create.usernameRule') }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="role" label={t('accounts.col.role')} rules={[{ required: true }]}>
          <Select options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        {role === 'site_manager' && (
          <Form.Item
            name="siteIds"
            label={t('accounts.col.sites')}
            rules={[{ required: true, type: 'array', min: 1, message: t('accounts.create.sitesRule') }]}
          >
            <SiteSelect mode="multiple" />
          </Form.Item>
        )}
        {role === 'vendor' && (
          <Form.Item
            name="vendorId"
            label={t('accounts.col.vendor')}
            rules={[{ required: true, message: t('accounts.create.vendorRule') }]}
          >
            <Select
              loading={vendors.isPending}
              status={vendors.error ? 'error' : undefined}
              options={(vendors.data?.items ?? []).map((v) => ({ value: v.vendorId, label: v.name }))}
            />
          </Form.Item>
        )}
        <Form.Item
          name="password"
          label={t('accounts.create.password')}
          extra={t('accounts.create.passwordHelp')}
          rules={[{ min: 8, message: t('accounts.create.passwordRule') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
