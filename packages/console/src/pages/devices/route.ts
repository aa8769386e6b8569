import { HddOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'devices',
  order: 30,
  path: '/devices',
  icon: HddOutlined,
  Component: lazy(() => import('./devices-page')),
} satisfies PageDef;
