/**
 * The masked ID number with a "reveal" button: GET /persons/{id}/identity (audited on the
 * platform: who, whom, when) only on that explicit click, for the roles the API lets
 * reveal (admin, operator, site manager); auditors see the mask only.
 */
import { EyeOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Button, Space, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../../api/client';
import { useSession } from '../../api/session';
import type { Identity } from './types';

export const REVEAL_ROLES = ['admin', 'operator', 'site_manager'];

export function RevealId({ personId, masked }: { personId: string; masked: string | null }) {
  const { t } = useTranslation();
  const role = useSession()?.account.role;
  const reveal = useMutation({
    mutationFn: () => api<Identity>('GET', `/persons/${personId}/identity`),
  });
  if (masked === null) return null;
  const shown = reveal.data?.idNumber ?? masked;
  return (
    <Space size={4} wrap={false}>
      <Typography.Text code data-testid={`id-${personId}`}>
        {shown}
      </Typography.Text>
      {role && REVEAL_ROLES.includes(role) && !reveal.data && (
        <Tooltip title={reveal.error instanceof ApiProblem ? reveal.error.title : t('workers.revealTip')}>
          <Button
            size="small"
            type="text"
            icon={<EyeOutlined />}
            loading={reveal.isPending}
            danger={reveal.isError}
            aria-label={t('workers.reveal')}
            onClick={() => reveal.mutate()}
          />
        </Tooltip>
      )}
    </Space>
  );
}
