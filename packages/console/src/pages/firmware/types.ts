/** The shapes /api/v1/firmware answers with (platform/src/api/routes/firmware*.ts). */
export interface Firmware {
  firmwareId: string;
  version: string;
  size: number;
  sha256: string;
  fileName: string;
  /** null: platform-wide. */
  vendorId: string | null;
  createdAt: string;
}

export interface ProgressRow {
  deviceId: string;
  sn: string;
  siteId: string | null;
  taskId: string;
  state: string;
  reason: string | null;
  createdAt: string;
  finishedAt: string | null;
  deviceVersion: string | null;
  installed: boolean;
  online: boolean;
}

export interface Progress {
  firmwareId: string;
  version: string;
  states: Record<string, number>;
  items: ProgressRow[];
  nextCursor: string | null;
}
