/**
 * A vendor's credentials, shown once: the answer to its creation or rotation is the only
 * place the platform ever shows the secret, so the modal says so, offers a copy button
 * for each value, and closes only when the operator confirms they saved them.
 */
import { Alert, Descriptions, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { VendorCredentials } from './types';

export function CredentialsModal({
  creds,
  onClose,
}: {
  creds: VendorCredentials | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const value = (v: string, testId: string) => (
    <Typography.Text code copyable={{ text: v }} data-testid={testId}>
      {v}
    </Typography.Text>
  );
  return (
    <Modal
      open={creds !== null}
      title={t('vendors.credentialsTitle', { name: creds?.name ?? '' })}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      onOk={onClose}
      okText={t('vendors.saved')}
      cancelButtonProps={{ style: { display: 'none' } }}
      width={640}
      destroyOnHidden
    >
      {creds && (
        <>
          <Alert type="warning" showIcon title={t('vendors.onceWarning')} style={{ marginBottom: 16 }} />
          <Descriptions column={1} bordered size="small" data-testid="vendor-credentials">
            <Descriptions.Item label={t('vendors.accessId')}>
              {value(creds.accessId, 'cred-access-id')}
            </Descriptions.Item>
            {creds.accessKey !== undefined && (
              <Descriptions.Item label={t('vendors.accessKey')}>
                {value(creds.accessKey, 'cred-access-key')}
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('vendors.accessSecret')}>
              {value(creds.accessSecret, 'cred-access-secret')}
            </Descriptions.Item>
            <Descriptions.Item label={t('vendors.secretVersion')}>{creds.secretVersion}</Descriptions.Item>
          </Descriptions>
        </>
      )}
    </Modal>
  );
}
