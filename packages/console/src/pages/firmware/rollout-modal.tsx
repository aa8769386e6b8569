/**
 * Roll an image out (POST /firmware/{id}/rollout) to devices named by sn, to a site's
 * devices, or to a vendor's: exactly one target, as the API requires. On success the
 * progress drawer opens.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Form, Modal, Radio, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { Firmware } from './types';

type Target = 'devices' | 'site' | 'vendor';
interface Values {
  deviceSns?: string[];
  siteId?: string;
  vendorId?: string;
}

export function RolloutModal({
  firmware,
  sites,
  vendors,
  onClose,
  onStarted,
}: {
  firmware: Firmware | null;
  sites: { value: string; label: string }[];
  vendors: { value: string; label: string }[];
  onClose: () => void;
  onStarted: (f: Firmware) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [target, setTarget] = useState<Target>('devices');
  const client = useQueryClient();
  const run = useMutation({
    mutationFn: (v: Values) =>
      api<{ devices: unknown[] }>('POST', `/firmware/${firmware?.firmwareId}/rollout`, {
        body:
          target === 'devices'
            ? { deviceSns: v.deviceSns }
            : target === 'site'
              ? { siteId: v.siteId }
              : { vendorId: v.vendorId },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['firmware'] });
      if (firmware) onStarted(firmware);
    },
    onError: (e) => {
      const name = target === 'devices' ? 'deviceSns' : target === 'site' ? 'siteId' : 'vendorId';
      const text =
        e instanceof ApiProblem
          ? e.errors.map((x) => x.message).join('; ') || (e.detail ?? e.title)
          : String(e);
      form.setFields([{ name, errors: [text] }]);
    },
  });
  return (
    <Modal
      open={firmware !== null}
      title={t('firmware.rolloutTitle', { version: firmware?.version ?? '' })}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('firmware.rollout')}
      cancelText={t('common.cancel')}
      confirmLoading={run.isPending}
      destroyOnHidden
    >
      <Form<Values> form={form} layout="vertical" preserve={false} onFinish={(v) => run.mutate(v)}>
        <Form.Item label={t('firmware.target')}>
          <Radio.Group
            value={target}
            onChange={(e) => setTarget(e.target.value as Target)}
            options={[
              { value: 'devices', label: t('firmware.targets.devices') },
              ...(sites.length ? [{ value: 'site', label: t('firmware.targets.site') }] : []),
              ...(vendors.length ? [{ value: 'vendor', label: t('firmware.targets.vendor') }] : []),
            ]}
          />
        </Form.Item>
        {target === 'devices' && (
          <Form.Item
            name="deviceSns"
            label={t('firmware.sns')}
            rules={[{ required: true, message: t('firmware.snsRequired') }]}
          >
            <Select
              mode="tags"
              tokenSeparators={[',', ' ']}
              open={false}
              placeholder={t('firmware.snsHint')}
            />
          </Form.Item>
        )}
        {target === 'site' && (
          <Form.Item name="siteId" label={t('firmware.targets.site')} rules={[{ required: true }]}>
            <Select options={sites} />
          </Form.Item>
        )}
        {target === 'vendor' && (
          <Form.Item name="vendorId" label={t('firmware.targets.vendor')} rules={[{ required: true }]}>
            <Select options={vendors} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
