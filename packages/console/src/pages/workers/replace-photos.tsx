/**
 * Replacing a worker's face photos (PUT /persons/{id}/photos with If-Match): 1–5 new
 * photos picked as in the enrolment form (photo-upload.tsx), base64 in the body. The API
 * runs the enrolment check's photo rules before storing anything; a refusal names each
 * photo (`body.photos.1`) with the rule's code and what it measured, shown here as the
 * API says it. A 412 says someone else changed the worker first (stale-alert.tsx).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Form, Modal, Typography, type UploadFile } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import { fileListOf, PhotoUpload, toBase64 } from './photo-upload';
import { isStale, StaleAlert } from './stale-alert';
import type { PersonDetail } from './types';

/** Face photos per person (the API's limit, docs/api.md "Persons"). */
const FACES_MAX = 5;

interface Values {
  photos?: UploadFile[];
}

/** `body.photos.1: photo_too_small: …` → "Photo 2: photo_too_small: …". */
function refusalLines(err: ApiProblem, photoN: (n: number) => string): string[] {
  return err.errors.map((e) => {
    const m = /^body\.photos\.(\d+)$/.exec(e.path);
    return m ? `${photoN(Number(m[1]) + 1)}: ${e.message}` : `${e.path}: ${e.message}`;
  });
}

export function ReplacePhotos({ person, onClose }: { person: PersonDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [stale, setStale] = useState(false);

  const save = useMutation({
    mutationFn: async (v: Values) =>
      api<PersonDetail>('PUT', `/persons/${person.personId}/photos`, {
        body: { photos: await toBase64(v.photos) },
        headers: { 'If-Match': person.etag },
      }),
    onMutate: () => setStale(false),
    onSuccess: (p) => {
      qc.setQueryData(['persons', p.personId], p);
      void qc.invalidateQueries({ queryKey: ['persons'] });
      void message.success(t('workerEdit.photosSaved'));
      onClose();
    },
    onError: (err) => {
      if (isStale(err)) setStale(true);
    },
  });
  const refusal = save.error instanceof ApiProblem && !isStale(save.error) ? save.error : undefined;

  return (
    <Modal
      open
      title={t('workerEdit.photos')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Form<Values> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} data-testid="photos-form">
        {stale && <StaleAlert personId={person.personId} onReloaded={() => setStale(false)} />}
        {refusal && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={`${t('workerEdit.refused')}: ${refusal.title}`}
            description={
              refusal.errors.length > 0 ? (
                <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                  {refusalLines(refusal, (n) => t('workerEdit.photoN', { n })).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              ) : (
                refusal.detail
              )
            }
            data-testid="photos-refused"
          />
        )}
        {save.error && !(save.error instanceof ApiProblem) && (
          <Alert type="error" showIcon style={{ marginBottom: 16 }} title={String(save.error)} />
        )}
        <Typography.Paragraph type="secondary">{t('workerEdit.photosHelp')}</Typography.Paragraph>
        <Form.Item
          name="photos"
          label={t('workers.facePhotos')}
          valuePropName="fileList"
          getValueFromEvent={fileListOf}
          rules={[{ required: true, type: 'array', min: 1, message: t('workers.enrol.faceRequired') }]}
          extra={t('workers.enrol.photoRule')}
        >
          <PhotoUpload max={FACES_MAX} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
