/**
 * Upload an image (POST /firmware): the file's bytes as application/octet-stream with
 * `version` and `fileName` in the query, as firmware-upload.ts streams it (not multipart).
 * The antd Upload only picks the file; the form's submit sends it. Operators may name the
 * vendor it is for (none: platform-wide); a vendor's upload is always its own.
 */
import { UploadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Select, Upload } from 'antd';
import type { UploadFile } from 'antd/es/upload/interface';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { Firmware } from './types';

interface Values {
  version: string;
  vendorId?: string;
}

export function UploadFirmware({
  open,
  onClose,
  vendors,
}: {
  open: boolean;
  onClose: () => void;
  /** The vendors an operator may pick; undefined for a vendor account. */
  vendors: { value: string; label: string }[] | undefined;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string>();
  const client = useQueryClient();
  const upload = useMutation({
    mutationFn: (v: Values & { file: File }) =>
      api<Firmware>('POST', '/firmware', {
        query: { version: v.version, fileName: v.file.name, vendorId: v.vendorId },
        body: v.file,
        headers: { 'Content-Type': 'application/octet-stream' },
      }),
    onSuccess: () => {
      void message.success(t('firmware.uploaded'));
      void client.invalidateQueries({ queryKey: ['firmware'] });
      setFile(null);
      onClose();
    },
    onError: (e) => {
      const text = e instanceof ApiProblem ? (e.errors[0]?.message ?? e.detail ?? e.title) : String(e);
      form.setFields([{ name: 'version', errors: [text] }]);
    },
  });
  const fileList: UploadFile[] = file ? [{ uid: 'picked', name: file.name, status: 'done' }] : [];
  return (
    <Modal
      open={open}
      title={t('firmware.upload')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('firmware.uploadOk')}
      cancelText={t('common.cancel')}
      confirmLoading={upload.isPending}
      destroyOnHidden
    >
      <Form<Values>
        form={form}
        layout="vertical"
        preserve={false}
        onFinish={(v) => {
          if (!file) return setFileError(t('firmware.fileRequired'));
          upload.mutate({ ...v, file });
        }}
      >
        <Form.Item
          name="version"
          label={t('firmware.version')}
          rules={[{ required: true, whitespace: true, max: 64 }]}
        >
          <Input placeholder="v2.4.0" />
        </Form.Item>
        {vendors && (
          <Form.Item name="vendorId" label={t('firmware.vendor')} extra={t('firmware.vendorHint')}>
            <Select allowClear options={vendors} placeholder={t('firmware.platformWide')} />
          </Form.Item>
        )}
        <Form.Item
          label={t('firmware.file')}
          required
          validateStatus={fileError ? 'error' : undefined}
          help={fileError}
        >
          <Upload
            fileList={fileList}
            maxCount={1}
            beforeUpload={(f) => {
              setFile(f);
              setFileError(undefined);
              return false;
            }}
            onRemove={() => setFile(null)}
          >
            <Button icon={<UploadOutlined />}>{t('firmware.pickFile')}</Button>
          </Upload>
        </Form.Item>
      </Form>
    </Modal>
  );
}
