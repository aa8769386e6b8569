/**
 * A vendor's RSA public key (clause 1.6, D12): its fingerprint and size when set; paste
 * a PEM or pick a .pem file (antd Upload, read in the browser, nothing uploaded until
 * saved) and PUT it; or remove it (answers go in clear again).
 */
import { UploadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Descriptions, Form, Input, Modal, Space, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { Vendor } from './types';

export function PublicKeyModal({
  vendor,
  canEdit,
  onClose,
}: {
  vendor: Vendor | null;
  canEdit: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ publicKeyPem: string }>();
  const client = useQueryClient();
  const path = vendor ? `/vendors/${vendor.vendorId}/public-key` : '';
  const done = () => {
    void message.success(t('common.saved'));
    void client.invalidateQueries({ queryKey: ['vendors'] });
    onClose();
  };
  const problemText = (e: unknown) =>
    e instanceof ApiProblem ? (e.errors[0]?.message ?? e.detail ?? e.title) : String(e);
  const save = useMutation({
    mutationFn: (v: { publicKeyPem: string }) => api<Vendor>('PUT', path, { body: v }),
    onSuccess: done,
    onError: (e) => form.setFields([{ name: 'publicKeyPem', errors: [problemText(e)] }]),
  });
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', path),
    onSuccess: done,
    onError: (e) => void message.error(problemText(e)),
  });
  return (
    <Modal
      open={vendor !== null}
      title={t('vendors.keyTitle', { name: vendor?.name ?? '' })}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
      width={640}
    >
      {vendor && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('vendors.fingerprint')}>
              {vendor.publicKey ? (vendor.publicKey.fingerprint ?? '—') : t('vendors.noKey')}
            </Descriptions.Item>
            {vendor.publicKey && (
              <Descriptions.Item label={t('vendors.bits')}>{vendor.publicKey.bits ?? '—'}</Descriptions.Item>
            )}
          </Descriptions>
          {canEdit && (
            <Form form={form} layout="vertical" preserve={false} onFinish={(v) => save.mutate(v)}>
              <Form.Item
                name="publicKeyPem"
                label={t('vendors.pem')}
                rules={[{ required: true, message: t('vendors.pemRequired') }]}
              >
                <Input.TextArea rows={6} placeholder="-----BEGIN PUBLIC KEY-----" />
              </Form.Item>
              <Space wrap>
                <Upload
                  accept=".pem,.pub,.txt"
                  showUploadList={false}
                  beforeUpload={(file) => {
                    void file.text().then((text) => form.setFieldsValue({ publicKeyPem: text }));
                    return false;
                  }}
                >
                  <Button icon={<UploadOutlined />}>{t('vendors.pickPem')}</Button>
                </Upload>
                <Button type="primary" htmlType="submit" loading={save.isPending}>
                  {t('common.save')}
                </Button>
                {vendor.publicKey && (
                  <Button danger loading={remove.isPending} onClick={() => remove.mutate()}>
                    {t('vendors.removeKey')}
                  </Button>
                )}
              </Space>
            </Form>
          )}
        </Space>
      )}
    </Modal>
  );
}
