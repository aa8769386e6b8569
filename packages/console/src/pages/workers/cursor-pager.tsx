/**
 * Next/previous over a cursor-paginated list (api.md "Lists"): a stack of the cursors of
 * the pages before this one; changing the filters starts again at the first page.
 */
import { Button, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export interface Cursor {
  cursor: string | undefined;
  page: number;
  next(nextCursor: string | null): void;
  prev(): void;
  reset(): void;
}

export function useCursor(): Cursor {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (c) => {
      if (c) setStack((s) => [...s, c]);
    },
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function Pager({ cursor, nextCursor }: { cursor: Cursor; nextCursor: string | null | undefined }) {
  const { t } = useTranslation();
  if (cursor.page === 1 && !nextCursor) return null;
  return (
    <Space style={{ marginTop: 12 }}>
      <Button onClick={cursor.prev} disabled={cursor.page === 1}>
        {t('workers.prev')}
      </Button>
      <span>{t('workers.pageN', { n: cursor.page })}</span>
      <Button onClick={() => cursor.next(nextCursor ?? null)} disabled={!nextCursor}>
        {t('workers.next')}
      </Button>
    </Space>
  );
}
