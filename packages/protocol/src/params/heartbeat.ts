/** C_AUTH (2.1) and C_HEARTBEAT (2.2) shapes. */
import { z } from 'zod';
import { idString } from './common.js';

/** 2.1.3: the response of a successful C_AUTH. */
export const authResponse = z.object({ token: z.string().regex(/^[0-9a-f]{32}$/) });

/** 2.2.2: heartbeat param. Both members are required by the table; empty text is tolerated. */
export const heartbeatParam = z.object({
  deviceVersion: z.string().max(128),
  deviceIp: z.string().max(64),
});

/** 2.2.3: taskids are the ids of tasks waiting for the device (D11). */
export const heartbeatResponse = z.object({ taskids: z.array(idString) });
