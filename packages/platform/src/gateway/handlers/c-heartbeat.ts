/**
 * 2.2 C_HEARTBEAT: keeps the device online (D10), records its firmware version and LAN
 * address, and answers with the ids of the tasks waiting for it (2.2.3, D11).
 */

import type { heartbeatParam } from '@kaoqin/protocol';
import type { z } from 'zod';
import type { Handler } from '../handler.js';

export const cHeartbeat: Handler = async ({ ctx, device, verified }) => {
  const param = verified.param as z.output<typeof heartbeatParam>;
  ctx.presence.touch(device!.id, ctx.now(), { deviceVersion: param.deviceVersion, deviceIp: param.deviceIp });
  return { response: { taskids: await ctx.tasks.pendingTaskIds(device!.id) } };
};
