/** The PIPL notice: what each clock-in sends, why, how long it is kept; agreed once per phone. */
import { useTranslation } from 'react-i18next';

export function Consent({ onAgree }: { onAgree(): void }) {
  const { t } = useTranslation();
  return (
    <main data-testid="screen-consent">
      <h1>{t('consent.title')}</h1>
      <div className="card">
        <p>{t('consent.intro')}</p>
        <p>
          <strong>{t('consent.sentTitle')}</strong>
        </p>
        <ul>
          <li>{t('consent.sentSelfie')}</li>
          <li>{t('consent.sentPosition')}</li>
          <li>{t('consent.sentTime')}</li>
        </ul>
        <p>{t('consent.notSent')}</p>
        <p>{t('consent.why')}</p>
        <p>{t('consent.retention')}</p>
      </div>
      <button type="button" className="primary" data-testid="consent-agree" onClick={onAgree}>
        {t('consent.agree')}
      </button>
    </main>
  );
}
