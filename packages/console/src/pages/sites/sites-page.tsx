/** The sites area: the list at /sites and one site at /sites/:siteId (routed here). */
import { Route, Routes } from 'react-router';
import { NotFound } from '../../components/page-state';
import { SiteDetail } from './site-detail';
import { SiteList } from './site-list';

export default function SitesPage() {
  return (
    <Routes>
      <Route index element={<SiteList />} />
      <Route path=":siteId" element={<SiteDetail />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
