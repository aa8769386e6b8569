/**
 * The page's screens, in the worker's order: consent (once per phone), registration,
 * then home, clock-in and settings. No router: the page has no deep links but /m/ and
 * the registration link's #code=.
 */
import { useEffect, useState } from 'react';
import { resetSession, wake } from './device/drainer';
import { setLinkStatus } from './device/status';
import { ClockIn } from './screens/clock-in';
import { Consent } from './screens/consent';
import { Home } from './screens/home';
import { Register } from './screens/register';
import { Settings } from './screens/settings';
import { db, type Registration } from './store/db';
import { loadRegistration, saveRegistration } from './store/registration';

const CONSENT_KEY = 'consentAt';
type Screen = 'home' | 'clock-in' | 'settings';

export function App() {
  const [loaded, setLoaded] = useState(false);
  const [consented, setConsented] = useState(false);
  const [reg, setReg] = useState<Registration | undefined>();
  const [screen, setScreen] = useState<Screen>('home');

  useEffect(() => {
    void (async () => {
      const d = await db();
      setConsented((await d.get('kv', CONSENT_KEY)) !== undefined);
      setReg(await loadRegistration());
      setLoaded(true);
    })();
  }, []);

  if (!loaded) return null;
  if (!consented)
    return (
      <Consent
        onAgree={() => {
          void db().then((d) => d.put('kv', Date.now(), CONSENT_KEY));
          setConsented(true);
        }}
      />
    );
  if (!reg)
    return (
      <Register
        onRegistered={(r) => {
          resetSession();
          setLinkStatus({ disabled: false, problem: undefined });
          void saveRegistration(r).then(() => {
            setReg(r);
            wake();
          });
        }}
      />
    );
  if (screen === 'clock-in') return <ClockIn onDone={() => setScreen('home')} />;
  if (screen === 'settings')
    return (
      <Settings
        reg={reg}
        onBack={() => setScreen('home')}
        onForgotten={() => {
          setReg(undefined);
          setConsented(false);
          setScreen('home');
        }}
      />
    );
  return <Home reg={reg} onClockIn={() => setScreen('clock-in')} onSettings={() => setScreen('settings')} />;
}
