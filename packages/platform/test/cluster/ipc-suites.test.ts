/**
 * The shared suites on the workers' IPC (cluster/ipc-*.ts): tokens and presence held by
 * the primary, each worker a client of its own, pass the same suites as in memory and in
 * Redis; so does the bus the primary relays.
 */
import { IpcBus, IpcPresenceRegistry, IpcTokenStore } from '../../src/cluster/ipc-client.js';
import { presenceRegistrySuite } from '../domain/presence-registry.suite.js';
import { IDLE_MS, tokenSuite } from '../domain/tokens.suite.js';
import { ipcPair } from '../helpers/ipc-pair.js';
import { busSuite } from './bus.suite.js';

tokenSuite(
  'IPC (a primary and its workers)',
  async () => {
    const pair = ipcPair(IDLE_MS);
    return { open: () => new IpcTokenStore(pair.worker()), dispose: async () => pair.close() };
  },
  { shared: true },
);

presenceRegistrySuite('IPC (a primary and its workers)', async () => {
  const pair = ipcPair(IDLE_MS);
  return { open: () => new IpcPresenceRegistry(pair.worker()), dispose: async () => pair.close() };
});

busSuite('IPC (relayed by the primary)', async () => {
  const pair = ipcPair(IDLE_MS);
  return { open: () => new IpcBus(pair.worker()), prefix: 'kq:', dispose: async () => pair.close() };
});
