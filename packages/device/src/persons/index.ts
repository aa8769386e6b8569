/** The device's persons: its local store (§3(11)), the default face engine, device-side failures. */
export * from './face-engine.js';
export * from './failure.js';
export * from './store.js';
