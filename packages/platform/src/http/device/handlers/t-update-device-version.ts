/**
 * 3.7 T_UPDATE_DEVICE_VERSION (更新设备版本): the device fetches the firmware it must
 * install. It may echo the descriptor as param or send none (K11); an echoed one has
 * already been validated (400_02 otherwise) and is not needed: the task says which
 * firmware. Response: the descriptor `{version, size, downloadUrl, sha256}` (K12), left
 * out of the answer signature by the 3.7.3 formula (K8).
 */
import { callerOf, type HttpHandler } from './handler.js';

export const tUpdateDeviceVersion: HttpHandler<'T_UPDATE_DEVICE_VERSION'> = async (input) => {
  const { ports, req } = input;
  const fw = await ports.tasks.firmware(callerOf(input), req.taskid!);
  // The descriptor's members in the table's order, sha256 (kaoqin's) last and only when known.
  return { response: { version: fw.version, size: fw.size, downloadUrl: fw.downloadUrl, sha256: fw.sha256 } };
};
