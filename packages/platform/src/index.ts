/** @kaoqin/platform: the server, usable as a library (tests, embedding) or through the kaoqin CLI. */
export { openData, type Platform, type PlatformData, type PlatformOptions, startPlatform } from './app.js';
export { ConfigError, loadConfig } from './config/load.js';
export { type Config, configSchema, envName, flagName } from './config/schema.js';
export { idNumberCheckChar } from './domain/id-number.js';
// The token store startPlatform takes (PlatformOptions.tokens), and the in-process one it uses by default.
export { MemoryTokenStore, type TokenRecord, type TokenStore } from './domain/tokens.js';
export { Gateway } from './gateway/gateway.js';
export { createLogger, type Logger } from './log.js';
export type * from './store/types.js';
