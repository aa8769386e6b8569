/**
 * Erasing a worker (DELETE /persons/{id}, operators; PIPL): a dialog that says what goes
 * (name, ID number and card fields, card images, every face photo, iris images, clock-in
 * photos; every assignment ends, so the devices delete the worker), what stays (attendance
 * rows, by person id) and that there is no undo. The API's answer (how many photos went,
 * assignments ended) is handed up for the page to show beside the erased person.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import type { PersonDetail } from './types';

/** DELETE /persons/{id}'s answer. */
export interface Erasure {
  personId: string;
  status: 'erased';
  photosDeleted: number;
  assignmentsEnded: number;
  /** null when the platform keeps no clock-in photos to erase. */
  attendancePhotosDeleted: number | null;
}

export function ErasePerson({
  person,
  onClose,
  onErased,
}: {
  person: PersonDetail;
  onClose: () => void;
  onErased: (e: Erasure) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const erase = useMutation({
    mutationFn: () => api<Erasure>('DELETE', `/persons/${person.personId}`),
    onSuccess: (e) => {
      onErased(e);
      // The page reads the person again: the API's tombstone (status erased, no name).
      void qc.invalidateQueries({ queryKey: ['persons'] });
    },
  });
  return (
    <Modal
      open
      title={t('workerEdit.eraseTitle')}
      okText={t('workerEdit.eraseConfirm')}
      okButtonProps={{ danger: true }}
      cancelText={t('common.cancel')}
      confirmLoading={erase.isPending}
      onOk={() => erase.mutate()}
      onCancel={onClose}
    >
      <div data-testid="erase-dialog">
        <Typography.Paragraph strong>{person.name ?? person.personId}</Typography.Paragraph>
        <Typography.Paragraph>{t('workerEdit.eraseWhat')}</Typography.Paragraph>
        <Typography.Paragraph>{t('workerEdit.eraseKeeps')}</Typography.Paragraph>
        <Typography.Paragraph type="danger" strong>
          {t('workerEdit.eraseIrreversible')}
        </Typography.Paragraph>
        {erase.error && (
          <Alert
            type="error"
            showIcon
            title={t('workerEdit.failed')}
            description={
              erase.error instanceof ApiProblem
                ? (erase.error.detail ?? erase.error.title)
                : String(erase.error)
            }
          />
        )}
      </div>
    </Modal>
  );
}
