/** Home: whose phone, which site, the queue, the link, the latest verdicts, refusals. */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { MODEL_BASE, WASM_BASE } from '../paths';
import type { Registration } from '../store/db';
import { clearFailed } from '../store/queue';
import { useFailed, useLatestVerdicts, useLinkStatus, useQueueCount } from '../ui/hooks';
import { timeText, VerdictView } from '../ui/verdict-view';

export function Home({
  reg,
  onClockIn,
  onSettings,
}: {
  reg: Registration;
  onClockIn(): void;
  onSettings(): void;
}) {
  const { t, i18n } = useTranslation();
  const queued = useQueueCount();
  const link = useLinkStatus();
  const verdicts = useLatestVerdicts();
  const failed = useFailed();
  useEffect(() => {
    // The face model loads while the worker is on this screen, not after they tap 打卡:
    // Human and its models take seconds to fetch and compile on a phone. A failure here
    // is retried by the clock-in itself.
    const start = () =>
      void import('../liveness')
        .then((m) => m.preloadLiveness({ modelBase: MODEL_BASE, wasmBase: WASM_BASE }))
        .catch(() => undefined);
    const t = setTimeout(start, 1000);
    return () => clearTimeout(t);
  }, []);
  return (
    <main data-testid="screen-home">
      <div className="row">
        <h1>{t('home.hello', { name: reg.person.name })}</h1>
        <span className={`badge ${link.online ? 'online' : 'offline'}`} data-testid="link">
          {link.sending
            ? t('home.sending')
            : link.online
              ? t('home.online')
              : t('home.offline').split(/[::]/)[0]}
        </span>
      </div>
      <p className="muted">{t('home.site', { site: reg.site.name })}</p>
      {link.disabled && (
        <p className="err card" role="alert">
          {t('home.disabled')}
        </p>
      )}
      <button type="button" className="primary big" data-testid="clock-in" onClick={onClockIn}>
        {t('home.clockIn')}
      </button>
      <div className="card">
        <p data-testid="queue-count" data-count={queued}>
          {queued > 0 ? t('home.queued', { count: queued }) : t('home.queuedNone')}
        </p>
        {!link.online && <p className="muted warn">{t('home.offline')}</p>}
        {link.problem && <p className="muted err">{link.problem}</p>}
      </div>
      {failed.length > 0 && (
        <div className="card" data-testid="failed">
          <h2>{t('home.failedTitle')}</h2>
          <p className="muted">{t('home.failedHint')}</p>
          <ul className="plain">
            {failed.map((f) => (
              <li key={f.seq}>
                {t('failed.item', {
                  time: timeText(f.recordTime, i18n.language),
                  msg: `${f.errorcode} ${f.errormsg}`,
                })}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void clearFailed()}>
            {t('home.failedClear')}
          </button>
        </div>
      )}
      {verdicts.length > 0 && (
        <div className="card">
          <h2>{t('home.latest')}</h2>
          <ul className="plain">
            {verdicts.map((v) => (
              <li key={v.recordTime}>
                <span className="muted">{timeText(v.recordTime, i18n.language)}</span>
                <VerdictView verdict={v} />
              </li>
            ))}
          </ul>
        </div>
      )}
      <button type="button" className="link" onClick={onSettings}>
        {t('home.settings')}
      </button>
    </main>
  );
}
