import { DashboardOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { queryClient } from '../../api/query-client';
import type { PageDef } from '../../routes';
import { overviewQuery } from './overview-api';

export default {
  key: 'dashboard',
  order: 10,
  path: '/dashboard',
  icon: DashboardOutlined,
  // The overview is asked for while the page's chunk loads, not after it has run: the
  // first render then waits for the slower of the two, not for both in turn.
  Component: lazy(() => {
    void queryClient.prefetchQuery(overviewQuery);
    return import('./dashboard-page');
  }),
} satisfies PageDef;
