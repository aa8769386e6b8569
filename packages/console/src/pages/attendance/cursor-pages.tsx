/**
 * Cursor pagination for a table (api.md "Lists"): a stack of the cursors that led to
 * each page, so "previous" goes back exactly and "next" follows the list's own cursor.
 * A new filter (a new query key) starts again at the first page. Shared by the
 * attendance, accounts and audit tables.
 */
import { type QueryKey, useQuery } from '@tanstack/react-query';
import { Button, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Page } from '../../api/client';

export function useCursorPages<T>(
  key: QueryKey,
  load: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
) {
  const id = JSON.stringify(key);
  const [state, setState] = useState<{ id: string; stack: (string | undefined)[] }>({
    id,
    stack: [undefined],
  });
  const stack = state.id === id ? state.stack : [undefined];
  const cursor = stack[stack.length - 1];
  const query = useQuery({
    queryKey: [...key, cursor ?? null],
    queryFn: ({ signal }) => load(cursor, signal),
  });
  const next = query.data?.nextCursor ?? null;
  return {
    query,
    pageNo: stack.length,
    canPrev: stack.length > 1,
    canNext: next !== null,
    next: () => next !== null && setState({ id, stack: [...stack, next] }),
    prev: () => stack.length > 1 && setState({ id, stack: stack.slice(0, -1) }),
  };
}

/** Previous / next under a table, with the page's number. */
export function CursorPager({
  pager,
}: {
  pager: { pageNo: number; canPrev: boolean; canNext: boolean; next(): unknown; prev(): unknown };
}) {
  const { t } = useTranslation();
  return (
    <Space style={{ marginTop: 12 }} wrap>
      <Button onClick={() => void pager.prev()} disabled={!pager.canPrev} data-testid="page-prev">
        {t('attendance.pager.prev')}
      </Button>
      <Typography.Text type="secondary">{t('attendance.pager.page', { n: pager.pageNo })}</Typography.Text>
      <Button onClick={() => void pager.next()} disabled={!pager.canNext} data-testid="page-next">
        {t('attendance.pager.next')}
      </Button>
    </Space>
  );
}
