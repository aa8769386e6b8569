import { DashboardOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'dashboard',
  order: 10,
  path: '/dashboard',
  icon: DashboardOutlined,
  Component: lazy(() => import('./dashboard-page')),
} satisfies PageDef;
