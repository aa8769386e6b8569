/**
 * Edit a device (PATCH /devices/{sn}): kind, direction, face capacity (empty = the
 * platform's default) and disabled. Validation errors from the API show on their field.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Form, InputNumber, Modal, Select, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import { DEVICE_KINDS, type Device, type DeviceKind, DIRECTIONS, type Direction } from './types';

interface Values {
  kind: DeviceKind;
  direction: Direction;
  faceCapacity: number | null;
  disabled: boolean;
}

export function DeviceEdit({
  device,
  open,
  onClose,
}: {
  device: Device;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (v: Values) =>
      api<Device>('PATCH', `/devices/${encodeURIComponent(device.sn)}`, {
        query: { vendorId: device.vendorId },
        body: { ...v, faceCapacity: v.faceCapacity ?? null },
      }),
    onSuccess: () => {
      void message.success(t('common.saved'));
      void client.invalidateQueries({ queryKey: ['devices'] });
      onClose();
    },
    onError: (e) => {
      if (e instanceof ApiProblem && e.errors.length)
        form.setFields(
          e.errors.map((f) => ({ name: f.path.replace(/^body\./, '') as keyof Values, errors: [f.message] })),
        );
      else void message.error(e instanceof ApiProblem ? (e.detail ?? e.title) : String(e));
    },
  });
  return (
    <Modal
      open={open}
      title={t('devices.editTitle', { sn: device.sn })}
      onCancel={onClose}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form<Values>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{
          kind: device.kind,
          direction: device.direction,
          faceCapacity: device.faceCapacityIsDefault ? null : device.faceCapacity,
          disabled: device.disabled,
        }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item name="kind" label={t('devices.kind')} rules={[{ required: true }]}>
          <Select options={DEVICE_KINDS.map((k) => ({ value: k, label: t(`devices.kinds.${k}`) }))} />
        </Form.Item>
        <Form.Item name="direction" label={t('devices.direction')} rules={[{ required: true }]}>
          <Select options={DIRECTIONS.map((k) => ({ value: k, label: t(`devices.directions.${k}`) }))} />
        </Form.Item>
        <Form.Item name="faceCapacity" label={t('devices.capacity')} extra={t('devices.capacityHint')}>
          <InputNumber min={1} max={1_000_000} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="disabled" label={t('devices.disabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
