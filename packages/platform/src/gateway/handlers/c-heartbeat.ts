/**
 * 2.2 C_HEARTBEAT: keeps the device online (D10), records its firmware version and LAN
 * address, and answers with the ids of the tasks waiting for it (2.2.3, D11).
 */

import type { TcpHandler } from './handler.js';

export const cHeartbeat: TcpHandler<'C_HEARTBEAT'> = async ({ ports, device, param, now }) => {
  ports.presence.touch(device!.id, now, { deviceVersion: param.deviceVersion, deviceIp: param.deviceIp });
  return { response: { taskids: await ports.tasks.pendingTaskIds(device!.id) } };
};
