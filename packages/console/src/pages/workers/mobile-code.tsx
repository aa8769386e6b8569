/**
 * 手机考勤码: a one-time code (POST /sites/{siteId}/mobile-codes, docs/console.md) with
 * which a worker registers their phone as this site's clock-in device (kind `mobile`) on
 * the phone page at /m/. The manager picks how long it stays valid, then shows the worker
 * the 8 digits or lets the phone scan the QR code of the full link. The platform stores
 * only a hash of the code, so the answer is the one time it can be seen: it lives in this
 * dialog's state and is gone when the dialog closes.
 */
import { MobileOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Form, InputNumber, Modal, QRCode, Space, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';

/** The answer of POST /sites/{siteId}/mobile-codes (issue 14 contracts §1). */
export interface MobileCode {
  /** 8 decimal digits. */
  code: string;
  siteId: string;
  personId: string;
  expiresAt: string;
  /** Relative to the platform's origin: `/m/#code=<code>`. */
  url: string;
}

/** The API's bounds for validHours (1..168, 24 when not sent). */
const DEFAULT_HOURS = 24;
const MAX_HOURS = 168;

export function MobileCodeButton({
  personId,
  siteId,
  siteName,
}: {
  personId: string;
  siteId: string;
  siteName: string;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [hours, setHours] = useState<number | null>(DEFAULT_HOURS);
  const create = useMutation({
    mutationFn: (validHours: number) =>
      api<MobileCode>('POST', `/sites/${encodeURIComponent(siteId)}/mobile-codes`, {
        body: { personId, validHours },
      }),
  });
  const close = () => {
    setOpen(false);
    // Forget the code: it is shown once.
    create.reset();
    setHours(DEFAULT_HOURS);
  };
  const code = create.data;

  return (
    <>
      <Button
        size="small"
        icon={<MobileOutlined />}
        onClick={() => setOpen(true)}
        data-testid={`mobile-code-${siteId}`}
      >
        {t('mobileCode.action')}
      </Button>
      <Modal
        open={open}
        title={t('mobileCode.title', { site: siteName })}
        onCancel={close}
        destroyOnHidden
        footer={
          code ? (
            <Button type="primary" onClick={close}>
              {t('mobileCode.done')}
            </Button>
          ) : (
            <Space>
              <Button onClick={close}>{t('common.cancel')}</Button>
              <Button
                type="primary"
                loading={create.isPending}
                disabled={hours === null}
                onClick={() => hours !== null && create.mutate(hours)}
                data-testid="mobile-code-create"
              >
                {t('mobileCode.create')}
              </Button>
            </Space>
          )
        }
      >
        {code ? (
          <CodeShown code={code} />
        ) : (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Typography.Paragraph>{t('mobileCode.intro')}</Typography.Paragraph>
            <Form layout="vertical">
              <Form.Item label={t('mobileCode.validHours')} extra={t('mobileCode.validHoursHint')}>
                <InputNumber
                  min={1}
                  max={MAX_HOURS}
                  precision={0}
                  value={hours}
                  onChange={(v) => setHours(v)}
                  data-testid="mobile-code-hours"
                />
              </Form.Item>
            </Form>
            {create.error && (
              <Alert
                type="error"
                showIcon
                data-testid="mobile-code-error"
                title={
                  create.error instanceof ApiProblem
                    ? (create.error.detail ?? create.error.title)
                    : String(create.error)
                }
              />
            )}
          </Space>
        )}
      </Modal>
    </>
  );
}

function CodeShown({ code }: { code: MobileCode }) {
  const { t } = useTranslation();
  const link = `${location.origin}${code.url}`;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="mobile-code-result">
      <Alert type="warning" showIcon title={t('mobileCode.once')} />
      <div style={{ display: 'flex', justifyContent: 'center' }} data-testid="mobile-code-qr">
        <QRCode value={link} size={220} errorLevel="M" />
      </div>
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('mobileCode.code')}>
          <Typography.Text
            strong
            copyable={{ text: code.code }}
            style={{ fontFamily: 'monospace', fontSize: 24, letterSpacing: 2 }}
            data-testid="mobile-code-digits"
          >
            {code.code}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('mobileCode.expires')}>
          <span data-testid="mobile-code-expires">{dayjs(code.expiresAt).format('YYYY-MM-DD HH:mm')}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('mobileCode.link')}>
          <Typography.Text copyable data-testid="mobile-code-link">
            {link}
          </Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Typography.Paragraph type="secondary">{t('mobileCode.howTo')}</Typography.Paragraph>
    </Space>
  );
}
