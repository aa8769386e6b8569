import { ScheduleOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'attendance',
  order: 50,
  path: '/attendance',
  icon: ScheduleOutlined,
  Component: lazy(() => import('./attendance-page')),
} satisfies PageDef;
