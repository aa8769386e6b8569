/** The sites page in the menu (routes.tsx collects it). */
import { EnvironmentOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'sites',
  order: 20,
  path: '/sites',
  icon: EnvironmentOutlined,
  Component: lazy(() => import('./sites-page')),
} satisfies PageDef;
