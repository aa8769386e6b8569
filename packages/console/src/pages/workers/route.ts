import { TeamOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'workers',
  order: 40,
  path: '/workers',
  icon: TeamOutlined,
  Component: lazy(() => import('./workers-page')),
} satisfies PageDef;
