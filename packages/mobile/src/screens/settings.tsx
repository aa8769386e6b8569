/** Settings: language, what the phone holds, and forgetting this phone. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { resetSession } from '../device/drainer';
import { currentLang, type Lang, setLang } from '../i18n';
import type { Registration } from '../store/db';
import { photoBudget, photoBytes } from '../store/queue';
import { forgetPhone } from '../store/registration';
import { useQueueCount } from '../ui/hooks';

const MB = 1024 * 1024;

export function Settings({
  reg,
  onBack,
  onForgotten,
}: {
  reg: Registration;
  onBack(): void;
  onForgotten(): void;
}) {
  const { t } = useTranslation();
  const queued = useQueueCount();
  const [bytes, setBytes] = useState({ used: 0, budget: 0 });
  useEffect(() => {
    void Promise.all([photoBytes(), photoBudget()]).then(([used, budget]) => setBytes({ used, budget }));
  }, []);
  const lang = currentLang();
  const choose = (l: Lang) => setLang(l);
  const forget = async () => {
    if (!window.confirm(t('settings.forgetConfirm'))) return;
    await forgetPhone();
    resetSession();
    onForgotten();
  };
  return (
    <main data-testid="screen-settings">
      <h1>{t('settings.title')}</h1>
      <div className="card">
        <label htmlFor="lang">{t('settings.language')}</label>
        <div className="row">
          <button type="button" className={lang === 'zh' ? 'primary' : ''} onClick={() => choose('zh')}>
            中文
          </button>
          <button
            type="button"
            className={lang === 'en' ? 'primary' : ''}
            onClick={() => choose('en')}
            data-testid="lang-en"
          >
            English
          </button>
        </div>
      </div>
      <div className="card">
        <p>{t('home.site', { site: reg.site.name })}</p>
        <p className="muted">{t('settings.phone', { sn: reg.sn })}</p>
        <p className="muted">
          {t('settings.storage', {
            count: queued,
            mb: (bytes.used / MB).toFixed(1),
            budget: Math.round(bytes.budget / MB),
          })}
        </p>
      </div>
      <button type="button" className="err" onClick={() => void forget()} data-testid="forget">
        {t('settings.forget')}
      </button>
      <button type="button" onClick={onBack}>
        {t('common.back')}
      </button>
    </main>
  );
}
