import { CloudUploadOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import type { PageDef } from '../../routes';

export default {
  key: 'firmware',
  order: 70,
  path: '/firmware',
  icon: CloudUploadOutlined,
  Component: lazy(() => import('./firmware-page')),
} satisfies PageDef;
