import { AuditOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'audit',
  order: 90,
  path: '/audit',
  icon: AuditOutlined,
  Component: lazy(() => import('./audit-page')),
} satisfies PageDef;
