#!/usr/bin/env node
/**
 * The `kaoqin-sim` command: simulated devices against a platform (sim/cli.ts; usage with
 * --help). The work is in main() so that tests can run the command in-process.
 */
import { main } from './sim/cli.js';

process.exitCode = await main(process.argv.slice(2));
