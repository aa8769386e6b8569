/**
 * One site at /sites/:siteId, in tabs: details, the geofence editor, teams,
 * sub-contractors and phone clock-in (its entry QR code and registered phones). The tab is in the URL (?tab=fence) so a link opens it. A site the
 * caller may not see is a 404 from the API and a "not found" here.
 */
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { ApiProblem } from '../../api/client';
import { LoadError, Loading, NotFound } from '../../components/page-state';
import { FenceEditor } from './fence/fence-editor';
import { SiteDetails } from './site-details';
import { SiteParts } from './site-parts';
import { SitePhones } from './site-phones';
import { useSite } from './use-site';

const TABS = ['details', 'fence', 'teams', 'subcontractors', 'phones'] as const;
type Tab = (typeof TABS)[number];

export function SiteDetail() {
  const { t } = useTranslation();
  const { siteId = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const q = useSite(siteId);
  const asked = search.get('tab');
  const tab: Tab = TABS.includes(asked as Tab) ? (asked as Tab) : 'details';

  if (q.isPending) return <Loading />;
  if (q.error instanceof ApiProblem && q.error.status === 404) return <NotFound />;
  if (q.error || !q.data) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const site = q.data;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Link to="/sites">
          <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t('sites.back')} />
        </Link>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="site-title">
          {site.name}
        </Typography.Title>
      </Space>
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch(k === 'details' ? {} : { tab: k }, { replace: true })}
        destroyOnHidden
        items={[
          { key: 'details', label: t('sites.tab.details'), children: <SiteDetails site={site} /> },
          { key: 'fence', label: t('sites.tab.fence'), children: <FenceEditor site={site} /> },
          {
            key: 'teams',
            label: t('sites.tab.teams'),
            children: <SiteParts siteId={site.id} kind="teams" />,
          },
          {
            key: 'subcontractors',
            label: t('sites.tab.subcontractors'),
            children: <SiteParts siteId={site.id} kind="subcontractors" />,
          },
          { key: 'phones', label: t('sitePhones.tab'), children: <SitePhones siteId={site.id} /> },
        ]}
      />
    </Space>
  );
}
