/**
 * A worker's page's actions on the person: edit the identity and replace the face photos
 * (site writers, as the API's PATCH and PUT …/photos allow), erase (operators only: it
 * reaches every site the worker was on). None for an erased person, who instead shows
 * what the erasure deleted (the DELETE's answer, while the page stays open).
 */
import { DeleteOutlined, EditOutlined, PictureOutlined } from '@ant-design/icons';
import { Alert, Button, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { accessOf, type Role } from '../../access';
import { useSession } from '../../api/session';
import { EditPerson } from './edit-person';
import { ErasePerson, type Erasure } from './erase-person';
import { ReplacePhotos } from './replace-photos';
import type { PersonDetail } from './types';

/** Who may erase a person: the API's `operators` group (DELETE /persons/{id}). */
const ERASE_ROLES: readonly Role[] = ['admin', 'operator'];

export function PersonActions({ person }: { person: PersonDetail }) {
  const { t } = useTranslation();
  const role = useSession()?.account.role;
  const [open, setOpen] = useState<'edit' | 'photos' | 'erase'>();
  const [erasure, setErasure] = useState<Erasure>();
  const canEdit = role ? accessOf(role).changeSiteData : false;
  const canErase = role ? ERASE_ROLES.includes(role) : false;
  const close = () => setOpen(undefined);
  const active = person.status !== 'erased';

  return (
    <>
      {erasure && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="erasure-result"
          title={t('workerEdit.erased', {
            photos: erasure.photosDeleted,
            assignments: erasure.assignmentsEnded,
            attendance: erasure.attendancePhotosDeleted ?? '—',
          })}
        />
      )}
      {active && (canEdit || canErase) && (
        <Space wrap style={{ marginTop: 12 }}>
          {canEdit && (
            <Button icon={<EditOutlined />} onClick={() => setOpen('edit')} data-testid="edit-person">
              {t('workerEdit.edit')}
            </Button>
          )}
          {canEdit && (
            <Button icon={<PictureOutlined />} onClick={() => setOpen('photos')} data-testid="replace-photos">
              {t('workerEdit.photos')}
            </Button>
          )}
          {canErase && (
            <Button
              danger
              icon={<DeleteOutlined />}
              onClick={() => setOpen('erase')}
              data-testid="erase-person"
            >
              {t('workerEdit.erase')}
            </Button>
          )}
        </Space>
      )}
      {active && open === 'edit' && <EditPerson person={person} onClose={close} />}
      {active && open === 'photos' && <ReplacePhotos person={person} onClose={close} />}
      {active && open === 'erase' && (
        <ErasePerson
          person={person}
          onClose={close}
          onErased={(e) => {
            setErasure(e);
            close();
          }}
        />
      )}
    </>
  );
}
