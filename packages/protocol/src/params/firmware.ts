/** T_UPDATE_DEVICE_VERSION (3.7): the firmware a device is asked to install. */
import { z } from 'zod';
import { intLike } from './common.js';

/**
 * The table's {version, size, downloadUrl}; kaoqin adds sha256 so a device can verify
 * what it downloaded. The platform puts it in the task's param (T_GET_TASKS) and in the
 * T_UPDATE_DEVICE_VERSION answer; a device may echo it as that request's param.
 */
export const firmwareDescriptor = z.object({
  version: z.string().min(1).max(128),
  size: intLike.pipe(z.number().int().min(1)),
  downloadUrl: z.string().min(1).max(2048),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export type FirmwareDescriptor = z.infer<typeof firmwareDescriptor>;
