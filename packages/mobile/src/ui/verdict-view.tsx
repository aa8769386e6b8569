/** One clock-in's verdict in plain words. */
import { useTranslation } from 'react-i18next';
import { reasonWords } from '../capture/verdict-words';
import type { Verdict } from '../store/db';

export function VerdictView({ verdict }: { verdict: Verdict }) {
  const { t } = useTranslation();
  if (verdict.counted)
    return (
      <p className="verdict ok" data-testid="verdict" data-counted="true">
        {t('verdict.counted')}
      </p>
    );
  const reasons = reasonWords(t, verdict.flags);
  return (
    <div data-testid="verdict" data-counted="false" data-flags={verdict.flags.join(' ')}>
      <p className="verdict warn">{t('verdict.notCounted')}</p>
      <ul>
        {reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <p className="muted">{t('verdict.review')}</p>
    </div>
  );
}

export function timeText(ms: number, lang: string): string {
  return new Date(ms).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}
