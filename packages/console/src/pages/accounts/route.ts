import { UserSwitchOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'accounts',
  order: 80,
  path: '/accounts',
  icon: UserSwitchOutlined,
  Component: lazy(() => import('./accounts-page')),
} satisfies PageDef;
