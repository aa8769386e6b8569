/**
 * Cursor pagination for every table (api.md "Lists"): a stack of the cursors that led to
 * each page, so "previous" goes back exactly and "next" follows the list's own cursor.
 * The list's filter is part of the state: a new filter starts again at the first page,
 * without the caller having to remember to reset.
 */
import { type QueryKey, useQuery } from '@tanstack/react-query';
import { Button, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Page } from '../api/client';

export interface Cursor {
  /** The cursor of the page shown; undefined on the first page. */
  readonly cursor: string | undefined;
  /** The page's number, from 1. */
  readonly page: number;
  /** To the page after this one (nothing when the list has no next cursor). */
  next(nextCursor: string | null | undefined): void;
  /** Back to the page before (nothing on the first page). */
  prev(): void;
}

const FIRST: readonly (string | undefined)[] = [undefined];

/**
 * The cursor stack of one list. `filter` is whatever selects the list (its filter values,
 * the device it belongs to…): when it changes, paging starts again at page 1.
 */
export function useCursor(filter: unknown = null): Cursor {
  const id = JSON.stringify(filter) ?? '';
  const [state, setState] = useState({ id, stack: FIRST });
  let stack = state.stack;
  if (state.id !== id) {
    // Reset while rendering (React's "adjust state when a prop changes"): this render
    // already asks for page 1, and going back to an earlier filter does not bring back
    // the page it was on.
    stack = FIRST;
    setState({ id, stack });
  }
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    // From the stack this render shows, not an updater: a double click pushes one page.
    next: (c) => {
      if (c) setState({ id, stack: [...stack, c] });
    },
    prev: () => {
      if (stack.length > 1) setState({ id, stack: stack.slice(0, -1) });
    },
  };
}

/** A list's cursor and its page's query, for lists whose whole answer is a Page. */
export function useCursorPages<T>(
  key: QueryKey,
  load: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
) {
  const cursor = useCursor(key);
  const query = useQuery({
    queryKey: [...key, cursor.cursor ?? null],
    queryFn: ({ signal }) => load(cursor.cursor, signal),
  });
  return { cursor, query };
}

/** Previous / next under a table, with the page's number; nothing when all fits on one page. */
export function CursorPager({
  cursor,
  nextCursor,
}: {
  cursor: Cursor;
  nextCursor: string | null | undefined;
}) {
  const { t } = useTranslation();
  if (cursor.page === 1 && !nextCursor) return null;
  return (
    <Space style={{ marginTop: 12 }} wrap>
      <Button onClick={cursor.prev} disabled={cursor.page === 1} data-testid="page-prev">
        {t('common.pager.prev')}
      </Button>
      <Typography.Text type="secondary">{t('common.pager.page', { n: cursor.page })}</Typography.Text>
      <Button onClick={() => cursor.next(nextCursor)} disabled={!nextCursor} data-testid="page-next">
        {t('common.pager.next')}
      </Button>
    </Space>
  );
}
