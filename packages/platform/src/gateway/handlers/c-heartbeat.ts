/**
 * 2.2 C_HEARTBEAT: keeps the device online (D10), records its firmware version and LAN
 * address, and answers with the ids of the tasks waiting for it (2.2.3, D11).
 */

import type { heartbeatParam } from '@kaoqin/protocol';
import type { z } from 'zod';
import type { TcpHandler } from './handler.js';

export const cHeartbeat: TcpHandler = async ({ ports, device, param, now }) => {
  const p = param as z.output<typeof heartbeatParam>;
  ports.presence.touch(device!.id, now, { deviceVersion: p.deviceVersion, deviceIp: p.deviceIp });
  return { response: { taskids: await ports.tasks.pendingTaskIds(device!.id) } };
};
