#!/usr/bin/env node
/** The `kaoqin` command. The platform itself arrives with the gateway issue. */
process.stdout.write(
  'kaoqin: platform not built yet (the protocol package is ready: see docs/protocol.md)\n',
);
