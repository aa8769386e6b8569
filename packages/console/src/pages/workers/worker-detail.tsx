/**
 * One worker (/workers/:personId): the masked identity (GET /persons/{id}; reveal on
 * click), face photos by their signed URLs, assignments per site, and where the worker
 * stands on each device (live). A person the caller may not see is a 404 from the API,
 * shown as not found (existence is not disclosed).
 */
import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Image, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { accessOf } from '../../access';
import { ApiProblem, api } from '../../api/client';
import { useSession } from '../../api/session';
import { useSites } from '../../api/sites';
import { LoadError, Loading, NotFound } from '../../components/page-state';
import { Assignments } from './assignments';
import { DistributionTable } from './distribution-table';
import { IdentityCard } from './identity-card';
import { PersonActions } from './person-actions';
import { RevealId } from './reveal-id';
import type { PersonDetail } from './types';

export function WorkerDetail() {
  const { t } = useTranslation();
  const { personId = '' } = useParams();
  const session = useSession();
  const canWrite = session ? accessOf(session.account.role).changeSiteData : false;
  const { sites, nameOf } = useSites();
  const q = useQuery({
    queryKey: ['persons', personId],
    retry: (n, e) => !(e instanceof ApiProblem && e.status < 500) && n < 2,
    queryFn: ({ signal }) => api<PersonDetail>('GET', `/persons/${personId}`, { signal }),
  });
  if (q.isPending) return <Loading />;
  if (q.error instanceof ApiProblem && (q.error.status === 404 || q.error.status === 400))
    return <NotFound />;
  if (q.error || !q.data) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const p = q.data;
  const erased = p.status === 'erased';
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card
        title={<span data-testid="worker-name">{p.name ?? p.personId}</span>}
        extra={<Link to="/workers">{t('workers.back')}</Link>}
      >
        <Descriptions size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t('workers.personId')}>{p.personId}</Descriptions.Item>
          <Descriptions.Item label={t('workers.idNumber')}>
            <RevealId personId={p.personId} masked={p.idNumber} />
          </Descriptions.Item>
          <Descriptions.Item label={t('workers.phone')}>{p.phone ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('workers.status')}>
            {erased ? <Tag>{t('workers.erased')}</Tag> : <Tag color="green">{t('workers.active')}</Tag>}
          </Descriptions.Item>
          <Descriptions.Item label={t('workers.faceMatch')}>
            {p.faceMatch.score === null
              ? t('workers.notChecked')
              : `${p.faceMatch.score.toFixed(3)} / ${p.faceMatch.threshold ?? ''}`}
          </Descriptions.Item>
          <Descriptions.Item label={t('workers.review')}>
            {t(`workers.reviews.${p.review}`)}
          </Descriptions.Item>
          <Descriptions.Item label={t('workers.cardImages')}>
            {[
              p.hasIdCardPhoto && t('workers.idCardPhoto'),
              p.hasIdCardFront && t('workers.idCardFront'),
              p.hasIdCardBack && t('workers.idCardBack'),
            ]
              .filter(Boolean)
              .join(', ') || '—'}
          </Descriptions.Item>
        </Descriptions>
        {!erased && (
          <div style={{ marginTop: 12 }}>
            <IdentityCard personId={p.personId} />
          </div>
        )}
        <PersonActions person={p} />
      </Card>
      <Card title={t('workers.facePhotos')}>
        {p.photos.length === 0 ? (
          '—'
        ) : (
          <Image.PreviewGroup>
            <Space wrap>
              {p.photos.map((ph, i) => (
                <Image key={ph.url} src={ph.url} width={96} alt={t('workers.photoN', { n: i + 1 })} />
              ))}
            </Space>
          </Image.PreviewGroup>
        )}
      </Card>
      <Card title={t('workers.assignments')}>
        <Assignments
          personId={p.personId}
          assignments={p.assignments}
          sites={sites}
          nameOf={nameOf}
          canWrite={canWrite && !erased}
        />
      </Card>
      <Card title={t('workers.dist.title')}>
        <DistributionTable personId={p.personId} nameOf={nameOf} />
      </Card>
    </Space>
  );
}
