/**
 * The frame around every page after login: the menu of the pages this role may open
 * (routes.tsx + access.ts), the account and its role, the language switch and logout.
 * At phone width the menu folds into a drawer-like collapsed sider.
 */
import { GlobalOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Grid, Layout, Menu, Space, Tag, Tooltip, Typography } from 'antd';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { accessOf } from '../access';
import { api } from '../api/client';
import { queryClient } from '../api/query-client';
import { setSession, useSession } from '../api/session';
import { Loading } from '../components/page-state';
import { setLang } from '../i18n';
import { PAGES } from '../routes';

export function AppLayout() {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const navigate = useNavigate();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const narrow = !screens.md;
  const access = accessOf(session.account.role);
  const pages = PAGES.filter((p) => access[p.key]);
  const selected = pages.find((p) => location.pathname.startsWith(p.path))?.key;

  // The page lets go of the session first, then the server revokes it: in the other
  // order, a request still in flight or the live stream reconnecting meanwhile met a
  // revoked token (a 401 in the browser's log). The cache goes too: the next person to
  // log in on this browser must not see this one's data, even for a moment.
  const logout = async () => {
    const token = session.token;
    setSession(null);
    await queryClient.cancelQueries();
    queryClient.clear();
    navigate('/login', { replace: true });
    try {
      await api('POST', '/auth/logout', { headers: { Authorization: `Bearer ${token}` } });
    } catch {
      // the session has ended here either way; the server's expires on its own
    }
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="md" collapsedWidth={narrow ? 0 : 64} theme="light" width={200}>
        <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 16 }}>{t('app.title')}</div>
        <nav aria-label={t('app.title')}>
          <Menu
            mode="inline"
            selectedKeys={selected ? [selected] : []}
            items={pages.map((p) => ({ key: p.key, icon: <p.icon />, label: t(`nav.${p.key}`) }))}
            onClick={({ key }) => navigate(PAGES.find((p) => p.key === key)!.path)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            padding: '0 16px',
            display: 'flex',
            justifyContent: 'flex-end',
            alignItems: 'center',
          }}
        >
          <Space size="middle" wrap={false}>
            <Space size={4}>
              <UserOutlined />
              <Typography.Text data-testid="account-name">{session.account.username}</Typography.Text>
              <Tag>{t(`role.${session.account.role}`)}</Tag>
            </Space>
            <Tooltip title={t('header.languageTip')}>
              <Button
                icon={<GlobalOutlined />}
                onClick={() => setLang(i18n.language === 'en' ? 'zh' : 'en')}
                data-testid="lang-switch"
              >
                {t('header.language')}
              </Button>
            </Tooltip>
            <Button icon={<LogoutOutlined />} onClick={() => void logout()}>
              {narrow ? null : t('header.logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: narrow ? 8 : 24 }}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
