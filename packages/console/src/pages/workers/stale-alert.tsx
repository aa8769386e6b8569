/**
 * What a 412 from a write with If-Match shows (docs/api.md "Writes"): someone else
 * changed the worker since the page read them. "Reload" reads the worker again (a new
 * etag); the dialog stays open with what the user entered, to be saved again.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../../api/client';

export const isStale = (err: unknown): boolean => err instanceof ApiProblem && err.status === 412;

export function StaleAlert({ personId, onReloaded }: { personId: string; onReloaded: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const reload = useMutation({
    mutationFn: () => qc.refetchQueries({ queryKey: ['persons', personId], exact: true }),
    onSuccess: onReloaded,
  });
  return (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 16 }}
      title={t('workerEdit.stale')}
      description={t('workerEdit.staleHelp')}
      data-testid="stale"
      action={
        <Button size="small" onClick={() => reload.mutate()} loading={reload.isPending}>
          {t('workerEdit.reload')}
        </Button>
      }
    />
  );
}
