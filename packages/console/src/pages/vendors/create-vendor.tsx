/** Create a vendor (POST /vendors): a name; the answer's credentials go to the once-only modal. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Form, Input, Modal } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { VendorCredentials } from './types';

export function CreateVendor({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (c: VendorCredentials) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ name: string }>();
  const client = useQueryClient();
  const create = useMutation({
    mutationFn: (v: { name: string }) => api<VendorCredentials>('POST', '/vendors', { body: v }),
    onSuccess: (c) => {
      void client.invalidateQueries({ queryKey: ['vendors'] });
      onClose();
      onCreated(c);
    },
    onError: (e) =>
      form.setFields([
        {
          name: 'name',
          errors: [e instanceof ApiProblem ? (e.errors[0]?.message ?? e.detail ?? e.title) : String(e)],
        },
      ]),
  });
  return (
    <Modal
      open={open}
      title={t('vendors.create')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" preserve={false} onFinish={(v) => create.mutate(v)}>
        <Form.Item
          name="name"
          label={t('vendors.name')}
          rules={[{ required: true, whitespace: true, message: t('vendors.nameRequired') }, { max: 128 }]}
        >
          <Input autoFocus />
        </Form.Item>
      </Form>
    </Modal>
  );
}
