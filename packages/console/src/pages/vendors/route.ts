import { ShopOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'vendors',
  order: 60,
  path: '/vendors',
  icon: ShopOutlined,
  Component: lazy(() => import('./vendors-page')),
} satisfies PageDef;
