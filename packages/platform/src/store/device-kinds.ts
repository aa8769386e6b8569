/** What a device is for (issue 10): kinds of terminal the standard's devices come in. */
export const DEVICE_KINDS = ['face', 'iris', 'gate', 'mobile', 'qr', 'capture'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
