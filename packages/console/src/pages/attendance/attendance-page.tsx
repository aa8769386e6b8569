/**
 * The attendance page: three views of the same clock-ins, each its own sub-route so a
 * view is a link — records (/attendance), a site's day (/attendance/daily) and the
 * monthly sheet (/attendance/sheet). Filters live in the URL's search parameters.
 */
import { Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { NotFound } from '../../components/page-state';
import { DailyTab } from './daily-tab';
import { RecordsTab } from './records-tab';
import { SheetTab } from './sheet-tab';

const VIEWS = ['records', 'daily', 'sheet'] as const;

export default function AttendancePage() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const sub = location.pathname.replace(/^\/attendance\/?/, '').split('/')[0] ?? '';
  const active = sub === '' ? 'records' : sub;
  const siteId = new URLSearchParams(location.search).get('siteId');
  return (
    <>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('attendance.title')}
      </Typography.Title>
      <Tabs
        activeKey={active}
        onChange={(k) => {
          const path = k === 'records' ? '/attendance' : `/attendance/${k}`;
          // The site chosen carries over between the views.
          navigate(siteId ? `${path}?siteId=${encodeURIComponent(siteId)}` : path);
        }}
        items={VIEWS.map((v) => ({ key: v, label: t(`attendance.tab.${v}`) }))}
      />
      <Routes>
        <Route index element={<RecordsTab />} />
        <Route path="daily" element={<DailyTab />} />
        <Route path="sheet" element={<SheetTab />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </>
  );
}
