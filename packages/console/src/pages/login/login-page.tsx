/**
 * Login (api.md "Authentication and roles"): POST /auth/login, the session kept
 * (api/session.ts), then back to the page asked for. A refusal shows the API's own
 * message (wrong password, locked after repeated failures).
 */
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ApiProblem, api } from '../../api/client';
import { type Session, setSession, useSession } from '../../api/session';
import { setLang } from '../../i18n';

interface Fields {
  username: string;
  password: string;
}

function safeNext(next: string | null): string {
  // Only a path of this console: never an absolute URL someone put in a link.
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/dashboard';
}

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [error, setError] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  if (session) return <Navigate to={next} replace />;

  const submit = async (f: Fields) => {
    setBusy(true);
    setError(null);
    try {
      const s = await api<Session>('POST', '/auth/login', { body: f });
      setSession(s);
      navigate(next, { replace: true });
    } catch (err) {
      setError(err instanceof ApiProblem ? err : new ApiProblem(0, 'network', String(err), undefined));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main
      style={{
        minHeight: '100vh',
        display: 'grid',
        placeItems: 'center',
        background: '#f0f2f5',
        padding: 16,
      }}
    >
      <Card style={{ width: '100%', maxWidth: 380 }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('login.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('app.subtitle')}</Typography.Paragraph>
        {error && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={t('login.failed')}
            description={error.detail ?? error.title}
            role="alert"
          />
        )}
        <Form<Fields> layout="vertical" onFinish={(f) => void submit(f)} requiredMark={false}>
          <Form.Item
            name="username"
            label={t('login.username')}
            rules={[{ required: true, message: t('login.required', { field: t('login.username') }) }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            rules={[{ required: true, message: t('login.required', { field: t('login.password') }) }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            {t('login.submit')}
          </Button>
        </Form>
        <Button
          type="link"
          style={{ paddingLeft: 0, marginTop: 8 }}
          onClick={() => setLang(i18n.language === 'en' ? 'zh' : 'en')}
        >
          {t('header.language')}
        </Button>
      </Card>
    </main>
  );
}
