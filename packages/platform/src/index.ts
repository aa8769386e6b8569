/** @kaoqin/platform: the server. Its parts arrive with the gateway issue. */
export const PLATFORM_READY = false;
