import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n';
import './ui/styles.css';
import { App } from './app';
import { startDrainer } from './device/drainer';
import { registerServiceWorker } from './sw-register';
import { installTestHook } from './test-hook';

installTestHook();
registerServiceWorker();
startDrainer();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
