/** Previous / next buttons for a cursor-paginated table. */
import { Button, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Cursor } from './use-cursor';

export function Pager({ cursor, nextCursor }: { cursor: Cursor; nextCursor: string | null | undefined }) {
  const { t } = useTranslation();
  if (cursor.page === 1 && !nextCursor) return null;
  return (
    <Space style={{ marginTop: 12 }}>
      <Button onClick={cursor.prev} disabled={cursor.page === 1}>
        {t('devices.prev')}
      </Button>
      <span>{t('devices.pageN', { n: cursor.page })}</span>
      <Button onClick={() => cursor.next(nextCursor ?? null)} disabled={!nextCursor}>
        {t('devices.next')}
      </Button>
    </Space>
  );
}
