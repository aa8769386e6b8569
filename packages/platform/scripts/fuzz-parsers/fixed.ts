/** The device every input comes from, fixed: the platform's clock, the device's secret and its token. */

export const NOW = Date.UTC(2026, 11, 6, 4, 0, 0);
export const SECRET = 'fuzz-secret-0123456789abcdef';
export const TOKEN = '0123456789abcdef0123456789abcdef';
