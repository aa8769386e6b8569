/** The token suite on the in-process store. */
import { MemoryTokenStore } from '../../src/domain/tokens.js';
import { IDLE_MS, tokenSuite } from './tokens.suite.js';

tokenSuite(
  'memory',
  async () => {
    const store = new MemoryTokenStore(IDLE_MS);
    return { open: () => store, dispose: async () => {} };
  },
  { shared: false },
);
