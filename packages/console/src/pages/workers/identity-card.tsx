/**
 * The ID card's fields unmasked (GET /persons/{id}/identity), fetched only when the user
 * clicks "show ID card fields": the platform writes every such read to the audit log.
 */
import { useMutation } from '@tanstack/react-query';
import { Button, Descriptions } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { useSession } from '../../api/session';
import { LoadError } from '../../components/page-state';
import { REVEAL_ROLES } from './reveal-id';
import type { Identity } from './types';

const FIELDS = [
  'idNumber',
  'birthDate',
  'gender',
  'ethnicity',
  'address',
  'issuingAuthority',
  'validFrom',
  'validTo',
  'phone',
] as const;

export function IdentityCard({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const role = useSession()?.account.role;
  const reveal = useMutation({ mutationFn: () => api<Identity>('GET', `/persons/${personId}/identity`) });
  if (!role || !REVEAL_ROLES.includes(role)) return null;
  if (reveal.error) return <LoadError error={reveal.error} onRetry={() => reveal.mutate()} />;
  if (!reveal.data)
    return (
      <Button onClick={() => reveal.mutate()} loading={reveal.isPending}>
        {t('workers.showIdentity')}
      </Button>
    );
  const id = reveal.data;
  return (
    <Descriptions size="small" bordered column={{ xs: 1, md: 2 }} data-testid="identity">
      {FIELDS.map((f) => (
        <Descriptions.Item key={f} label={t(`workers.${f}`)}>
          {id[f] ?? '—'}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}
