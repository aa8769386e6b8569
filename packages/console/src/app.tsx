/**
 * The console's providers and routes: antd's theme and locale in the chosen language,
 * the one TanStack Query client (api/query-client.ts), and the router. Without a session every path shows the login page, which returns to
 * the path asked for.
 */
import { QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import 'antd/dist/antd.css';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { accessOf } from './access';
import { queryClient } from './api/query-client';
import { useSession } from './api/session';
import { NotFound } from './components/page-state';
import { AppLayout } from './layout/app-layout';
import { LoginPage } from './pages/login/login-page';
import { PAGES } from './routes';

function Authed() {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  const access = accessOf(session.account.role);
  return (
    <Routes>
      <Route element={<AppLayout />}>
        {PAGES.filter((p) => access[p.key]).map((p) => (
          <Route key={p.key} path={`${p.path}/*`} element={<p.Component />} />
        ))}
        <Route index element={<Navigate to="/dashboard" replace />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/**
 * zeroRuntime: antd's component styles come from its prebuilt stylesheet
 * (antd/dist/antd.css, one cached file) instead of being generated in the browser on
 * every first render of a component (stylis parsing in the page's main thread); the
 * theme's tokens still reach it as CSS variables.
 */
const THEME = { token: { colorPrimary: '#1f6feb' }, zeroRuntime: true } as const;

export function App() {
  const { i18n } = useTranslation();
  const en = i18n.language === 'en';
  useEffect(() => {
    dayjs.locale(en ? 'en' : 'zh-cn');
  }, [en]);
  return (
    <ConfigProvider locale={en ? enUS : zhCN} theme={THEME}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route path="*" element={<Authed />} />
            </Routes>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
