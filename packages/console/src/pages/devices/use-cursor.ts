/**
 * Next/previous over a cursor-paginated list (api.md "Lists"): a stack of the cursors of
 * the pages before this one. Changing the filters starts again at the first page.
 */
import { useState } from 'react';

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
