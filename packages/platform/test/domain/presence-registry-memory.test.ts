/** The presence registry suite on the in-process registry. */
import { MemoryPresenceRegistry } from '../../src/domain/presence-registry.js';
import { presenceRegistrySuite } from './presence-registry.suite.js';

presenceRegistrySuite('memory', async () => {
  const registry = new MemoryPresenceRegistry();
  return { open: () => registry, dispose: async () => {} };
});
