/**
 * Clocking in: the front camera, the liveness challenge (in the browser, by the same
 * face model family as the platform's check), the position with its accuracy; then the
 * record joins the queue (the selfie, the position, the capture time on the platform's
 * clock) and the drainer sends it. The verdict is shown when the platform answers; if
 * the phone is offline, the worker is told it is kept and will be sent.
 * The camera stream stays on the phone: only the one selfie the check returns is kept.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { closeCamera, openCamera } from '../capture/camera';
import { currentPosition, type Position } from '../capture/position';
import { platformNow } from '../device/clock';
import { drain } from '../device/drainer';
import type { LivenessFailure, LivenessPrompt } from '../liveness/types';
import { MODEL_BASE, WASM_BASE } from '../paths';
import type { Verdict } from '../store/db';
import { enqueue, queueEvents } from '../store/queue';
import { type VerdictEvent, verdictEvents, verdictOf } from '../store/verdicts';
import { VerdictView } from '../ui/verdict-view';

type Phase =
  | { kind: 'camera' }
  | { kind: 'liveness'; prompt: LivenessPrompt }
  | { kind: 'position' }
  | { kind: 'queued'; recordTime: number }
  | { kind: 'result'; verdict: Verdict }
  | { kind: 'liveness_failed'; reason: LivenessFailure }
  | { kind: 'error'; message: string };

function PromptText({ prompt }: { prompt: LivenessPrompt }) {
  const { t } = useTranslation();
  if (prompt.kind === 'challenge')
    return (
      <>
        {t(`clockIn.prompt.${prompt.challenge}`)}
        <div className="muted" style={{ color: '#ddd' }}>
          {t('clockIn.step', { index: prompt.index + 1, of: prompt.of })}
        </div>
      </>
    );
  return <>{t(`clockIn.prompt.${prompt.kind}`)}</>;
}

export function ClockIn({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'camera' });
  const [position, setPosition] = useState<Position | undefined>();
  const [geoError, setGeoError] = useState('');
  const [attempt, setAttempt] = useState(0);
  // The language may change while the camera runs; that must not restart it.
  const tRef = useRef(t);
  tRef.current = t;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new attempt restarts the camera and the challenge
  useEffect(() => {
    const t = tRef.current;
    const abort = new AbortController();
    const v = video.current;
    let stream: MediaStream | undefined;
    const pos = currentPosition();
    pos.then(setPosition, () => setGeoError(t('clockIn.geoDenied')));
    (async () => {
      if (!v) return;
      try {
        stream = await openCamera(v, 'user');
      } catch {
        setPhase({ kind: 'error', message: t('clockIn.cameraDenied') });
        return;
      }
      const { runLiveness } = await import('../liveness');
      const result = await runLiveness({
        video: v,
        modelBase: MODEL_BASE,
        wasmBase: WASM_BASE,
        signal: abort.signal,
        onPrompt: (prompt) => !abort.signal.aborted && setPhase({ kind: 'liveness', prompt }),
      });
      const capturedAt = await platformNow();
      closeCamera(stream, v);
      stream = undefined;
      if (abort.signal.aborted) return;
      if (!result.passed) {
        setPhase({ kind: 'liveness_failed', reason: result.reason });
        return;
      }
      setPhase({ kind: 'position' });
      let p: Position;
      try {
        p = await pos;
      } catch {
        setPhase({ kind: 'error', message: t('clockIn.geoDenied') });
        return;
      }
      await enqueue({
        recordTime: capturedAt,
        coordinate: p.coordinate,
        accuracy: p.accuracy,
        photo: result.selfie,
      });
      setPhase({ kind: 'queued', recordTime: capturedAt });
      void drain();
    })().catch((err: unknown) => {
      if (!abort.signal.aborted)
        setPhase({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
    });
    return () => {
      abort.abort();
      closeCamera(stream, v);
    };
  }, [attempt]);

  // Once queued: the verdict, when the platform gives it.
  const queuedAt = phase.kind === 'queued' ? phase.recordTime : undefined;
  useEffect(() => {
    if (queuedAt === undefined) return;
    const look = async () => {
      const v = await verdictOf(queuedAt);
      if (v) setPhase({ kind: 'result', verdict: v });
    };
    const onVerdict = (e: Event) => {
      const v = (e as VerdictEvent).verdict;
      if (v.recordTime === queuedAt) setPhase({ kind: 'result', verdict: v });
    };
    verdictEvents.addEventListener('verdict', onVerdict);
    queueEvents.addEventListener('change', look);
    void look();
    return () => {
      verdictEvents.removeEventListener('verdict', onVerdict);
      queueEvents.removeEventListener('change', look);
    };
  }, [queuedAt]);

  const live = phase.kind === 'camera' || phase.kind === 'liveness';
  return (
    <main data-testid="screen-clock-in" data-phase={phase.kind}>
      <h1>{t('clockIn.title')}</h1>
      <div className="camera" style={{ display: live ? undefined : 'none' }}>
        <video ref={video} muted playsInline />
        <div className="prompt" data-testid="prompt">
          {phase.kind === 'liveness' ? <PromptText prompt={phase.prompt} /> : t('clockIn.camera')}
        </div>
      </div>
      <p className="muted" data-testid="position">
        {position
          ? t('clockIn.accuracy', { m: Math.round(position.accuracy) })
          : geoError || t('clockIn.geoWaiting')}
      </p>
      {phase.kind === 'position' && <p>{t('clockIn.geoWaiting')}</p>}
      {phase.kind === 'queued' && (
        <div className="card" data-testid="queued">
          <p className="verdict">{t('clockIn.queuedMsg')}</p>
          <p className="muted">{t('verdict.pending')}</p>
        </div>
      )}
      {phase.kind === 'result' && (
        <div className="card" data-testid="result">
          <VerdictView verdict={phase.verdict} />
        </div>
      )}
      {phase.kind === 'liveness_failed' && (
        <div className="card" data-testid="liveness-failed" data-reason={phase.reason}>
          <p className="err">{t(`clockIn.failed.${phase.reason}`)}</p>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setPhase({ kind: 'camera' });
              setAttempt((a) => a + 1);
            }}
          >
            {t('clockIn.again')}
          </button>
        </div>
      )}
      {phase.kind === 'error' && (
        <p className="err card" role="alert" data-testid="clock-in-error">
          {phase.message}
        </p>
      )}
      <button type="button" onClick={onDone} data-testid="clock-in-done">
        {live ? t('common.cancel') : t('common.done')}
      </button>
    </main>
  );
}
