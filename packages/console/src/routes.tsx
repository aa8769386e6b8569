/**
 * The console's pages, each loaded on first visit (its own chunk: the first load
 * carries only the frame and the page opened). Each area declares its page in
 * pages/<area>/route.ts (a PageDef, default export); the menu and the routes come from
 * them, in `order`, filtered by access.ts. A page is listed once it exists: no menu
 * entry leads to a placeholder.
 */
import type { ComponentType, LazyExoticComponent } from 'react';
import type { PageKey } from './access';

export interface PageDef {
  key: PageKey;
  /** The menu's order (dashboard 10, sites 20, devices 30, workers 40, attendance 50, vendors 60, firmware 70, accounts 80, audit 90). */
  order: number;
  /** Where the page lives; its sub-pages are below it (`/sites/:id`). */
  path: string;
  icon: ComponentType;
  Component: LazyExoticComponent<ComponentType>;
}

export const PAGES: PageDef[] = Object.values(
  import.meta.glob<{ default: PageDef }>('./pages/*/route.ts', { eager: true }),
)
  .map((m) => m.default)
  .sort((a, b) => a.order - b.order);
