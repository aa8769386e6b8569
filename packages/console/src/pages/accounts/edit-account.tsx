/**
 * Changing an account's role and scope (PATCH /accounts/{username} `{role, siteIds?,
 * vendorId?}`): a site manager's sites, a vendor account's vendor. The API keeps only the
 * scope the new role takes (an operator has no sites, a site manager no vendor), so the
 * form asks for that one alone. The API's field errors (`body.siteIds.0`: no such site)
 * land on their field; the rest shows above the form.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Form, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../access';
import { ApiProblem, api, type Page } from '../../api/client';
import { SiteSelect } from '../attendance/site-select';
import type { AccountRow, VendorItem } from './types';

interface Values {
  role: Role;
  siteIds?: string[];
  vendorId?: string;
}

const FIELDS: readonly (keyof Values)[] = ['role', 'siteIds', 'vendorId'];

/** The PATCH body: the role, and the scope that role takes. */
function bodyOf(v: Values) {
  return {
    role: v.role,
    ...(v.role === 'site_manager' ? { siteIds: v.siteIds ?? [] } : {}),
    ...(v.role === 'vendor' ? { vendorId: v.vendorId ?? null } : {}),
  };
}

/** `body.siteIds.0` → `siteIds`: the form field an API error belongs to, if any. */
function fieldOf(path: string): keyof Values | undefined {
  const name = path.replace(/^body\./, '').split('.')[0] as keyof Values;
  return FIELDS.includes(name) ? name : undefined;
}

/** Open while `account` is set; mounted per account, so the form starts from its values. */
export function EditAccount({
  account,
  onClose,
  onSaved,
}: {
  account: AccountRow | null;
  onClose: () => void;
  onSaved: (a: AccountRow) => void;
}) {
  if (!account) return null;
  return <EditAccountModal key={account.username} account={account} onClose={onClose} onSaved={onSaved} />;
}

function EditAccountModal({
  account,
  onClose,
  onSaved,
}: {
  account: AccountRow;
  onClose: () => void;
  onSaved: (a: AccountRow) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const role = Form.useWatch('role', form) ?? account.role;
  const qc = useQueryClient();
  const vendors = useQuery({
    queryKey: ['vendors', 'picker'],
    queryFn: ({ signal }) => api<Page<VendorItem>>('GET', '/vendors', { query: { limit: 500 }, signal }),
    enabled: role === 'vendor',
  });
  const save = useMutation({
    mutationFn: (v: Values) =>
      api<AccountRow>('PATCH', `/accounts/${encodeURIComponent(account.username)}`, { body: bodyOf(v) }),
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      onSaved(a);
    },
    onError: (err) => {
      if (!(err instanceof ApiProblem)) return;
      form.setFields(
        err.errors.flatMap((e) => {
          const name = fieldOf(e.path);
          return name ? [{ name, errors: [e.message] }] : [];
        }),
      );
    },
  });
  return (
    <Modal
      open
      title={t('accounts.edit.title', { username: account.username })}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{
          role: account.role,
          siteIds: account.siteIds,
          vendorId: account.vendorId ?? undefined,
        }}
        onFinish={(v) => save.mutate(v)}
        data-testid="edit-account-form"
      >
        {save.error && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={save.error instanceof ApiProblem ? save.error.title : t('accounts.failed')}
            description={save.error instanceof ApiProblem ? save.error.detail : undefined}
          />
        )}
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
        <Alert type="info" showIcon title={t('accounts.edit.scopeHelp')} />
      </Form>
    </Modal>
  );
}
