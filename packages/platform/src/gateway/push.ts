/**
 * D3 pushes: new task ids go to a connected device at once, as an unsolicited heartbeat
 * answer (apicode C_HEARTBEAT, success, response `{"taskids":[…]}`). A push is a
 * successful answer like any other, so when the device's vendor registered an RSA public
 * key its response is sealed (D12) exactly as the heartbeat answer would be.
 *
 * The vendor is read from the caches the gateway authenticates with, so a key set or
 * removed through the API applies to the next push. A device this process cannot place
 * under a vendor gets no push rather than a push in clear: its next heartbeat answer
 * (sealed or not, as its vendor says) offers the same ids.
 */
import { encodeAnswerFrame, sealResponse } from '@kaoqin/protocol';
import type { Devices } from '../domain/devices.js';
import type { Vendors } from '../domain/vendors.js';
import type { TaskPusher } from '../tasks/engine.js';
import type { Gateway } from './gateway.js';

export interface PushDeps {
  gateway: Pick<Gateway, 'isConnected' | 'pushTo'>;
  vendors: Pick<Vendors, 'cachedById'>;
  devices: Pick<Devices, 'cachedById'>;
  protocolVersion: string;
}

export function taskPusher(deps: PushDeps): TaskPusher {
  return {
    connected: (deviceId) => deps.gateway.isConnected(deviceId),
    push(deviceId, taskids) {
      const device = deps.devices.cachedById(deviceId);
      const vendor = device && deps.vendors.cachedById(device.vendorId);
      if (!vendor) return false;
      const text = JSON.stringify({ taskids });
      return deps.gateway.pushTo(
        deviceId,
        encodeAnswerFrame({
          version: deps.protocolVersion,
          success: true,
          apicode: 'C_HEARTBEAT',
          response: vendor.sealKey ? sealResponse(vendor.sealKey, text) : text,
        }),
      );
    },
  };
}
