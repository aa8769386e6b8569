/**
 * Registering the phone: the one-time code (from the link's #code=, or typed) or a
 * person QR code read by the camera, and the ID number's last 6 characters.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { closeCamera, openCamera } from '../capture/camera';
import { scanPersonCode } from '../capture/qr-reader';
import { RegisterError, registerPhone } from '../device/register';
import type { Registration } from '../store/db';

const KNOWN_ERRORS = ['mobile_code_invalid', 'id_mismatch', 'rate_limited', 'validation_failed', 'network'];

function codeFromHash(): string {
  const m = /(?:^#|&)code=(\d{8})(?:&|$)/.exec(window.location.hash);
  return m?.[1] ?? '';
}

function QrScanner({ onCode, onCancel }: { onCode(code: string): void; onCancel(): void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const abort = new AbortController();
    let stream: MediaStream | undefined;
    const v = video.current;
    (async () => {
      if (!v) return;
      stream = await openCamera(v, 'environment');
      onCode(await scanPersonCode(v, abort.signal));
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => {
      abort.abort();
      closeCamera(stream, v);
    };
  }, [onCode]);
  return (
    <div>
      <div className="camera">
        <video ref={video} muted playsInline />
        <div className="prompt">{t('register.scanning')}</div>
      </div>
      {error && <p className="err">{error}</p>}
      <button type="button" onClick={onCancel}>
        {t('register.useCode')}
      </button>
    </div>
  );
}

export function Register({ onRegistered }: { onRegistered(r: Registration): void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState(codeFromHash);
  const [personCode, setPersonCode] = useState('');
  const [idLast6, setIdLast6] = useState('');
  const [scanning, setScanning] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const id = idLast6.trim().toUpperCase();
      const reg = await registerPhone(
        personCode ? { personCode, idLast6: id } : { code: code.trim(), idLast6: id },
      );
      if (window.location.hash) history.replaceState(null, '', window.location.pathname); // the code is spent
      onRegistered(reg);
    } catch (err) {
      if (err instanceof RegisterError && KNOWN_ERRORS.includes(err.code))
        setError(t(`register.errors.${err.code}`));
      else setError(t('register.errors.other', { why: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main data-testid="screen-register">
      <h1>{t('register.title')}</h1>
      <p className="muted">{t('register.intro')}</p>
      {scanning ? (
        <QrScanner
          onCode={(c) => {
            setPersonCode(c);
            setScanning(false);
          }}
          onCancel={() => setScanning(false)}
        />
      ) : (
        <form onSubmit={submit} className="card">
          {personCode ? (
            <p className="ok" data-testid="person-code-read">
              {t('register.scanned')}{' '}
              <button type="button" className="link" onClick={() => setPersonCode('')}>
                {t('register.useCode')}
              </button>
            </p>
          ) : (
            <>
              <label htmlFor="code">{t('register.code')}</label>
              <input
                id="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="\d{8}"
                maxLength={8}
                value={code}
                onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
                required
              />
            </>
          )}
          <label htmlFor="idLast6">{t('register.idLast6')}</label>
          <input
            id="idLast6"
            autoComplete="off"
            maxLength={6}
            pattern="[0-9]{5}[0-9Xx]"
            value={idLast6}
            onChange={(e) => setIdLast6(e.target.value)}
            required
          />
          {error && (
            <p className="err" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {t('register.submit')}
          </button>
          {!personCode && (
            <button type="button" onClick={() => setScanning(true)}>
              {t('register.scan')}
            </button>
          )}
        </form>
      )}
    </main>
  );
}
