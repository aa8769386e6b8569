/**
 * A record's flags as tags: the tag says what the flag means in the reader's language,
 * the tooltip gives the platform's code (what exports and the API filter use). Photo,
 * QR, fence, health-code and fever flags are red; the upload-time ones orange; the rest
 * (what a record lacks rather than a fault) default.
 */
import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';

function colorOf(flag: string): string | undefined {
  if (
    /^(health_code_red|fever|qr_forged|qr_person_mismatch|face_mismatch|outside_fence|unknown_person)$/.test(
      flag,
    )
  )
    return 'red';
  if (/^(upload_|clock_ahead|health_code_yellow)/.test(flag)) return 'orange';
  if (/^(photo_|qr_|temperature_)/.test(flag)) return 'volcano';
  return undefined;
}

export function FlagTags({ flags }: { flags: readonly string[] }) {
  const { t } = useTranslation();
  return (
    <>
      {flags.map((f) => (
        <Tooltip key={f} title={f}>
          <Tag color={colorOf(f)} style={{ marginBottom: 2 }} data-flag={f}>
            {t(`attendance.flag.${f}`)}
          </Tag>
        </Tooltip>
      ))}
    </>
  );
}
