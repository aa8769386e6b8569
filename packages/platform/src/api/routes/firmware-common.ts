/** What the firmware routes share: who may read and write images, and an image's view. */
import type { FirmwareRow } from '../../store/index.js';
import { isoCst } from '../time.js';

export const FIRMWARE_READERS = ['admin', 'operator', 'vendor', 'auditor'] as const;
export const FIRMWARE_WRITERS = ['admin', 'operator', 'vendor'] as const;

export const firmwareView = (f: FirmwareRow) => ({
  firmwareId: f.id,
  version: f.version,
  size: f.size,
  sha256: f.sha256,
  fileName: f.fileName,
  /** null: platform-wide. */
  vendorId: f.vendorId,
  createdAt: isoCst(f.createdAt),
});
