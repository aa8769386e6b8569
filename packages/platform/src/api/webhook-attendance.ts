/**
 * The `data` of an attendance.created webhook: the record as the attendance API shows it
 * (routes/attendance-view.ts), read when the delivery is sent. Two things differ, both
 * documented in docs/webhooks.md: no photo URL (a signed URL would expire in the
 * receiver's queue; `hasPhoto` says whether GET /api/v1/attendance/{id} has one), and a
 * QR code's `codeValue` is left out (a health code's value can carry an ID number).
 */
import type { AttendanceRecord, Store } from '../store/index.js';
import { attendanceView } from './routes/attendance-view.js';

/** The QR object without its value; anything not an object (unreadable JSON) is left out. */
function qrWithoutValue(qr: unknown): Record<string, unknown> | null {
  if (qr === null || typeof qr !== 'object' || Array.isArray(qr)) return null;
  const { codeValue: _dropped, ...rest } = qr as Record<string, unknown>;
  return rest;
}

export function webhookAttendanceView(r: AttendanceRecord, names: ReadonlyMap<string, string>) {
  const view = attendanceView(r, names, () => null);
  const { photoUrl: _signed, ...rest } = view;
  return { ...rest, qrCodeInfo: qrWithoutValue(view.qrCodeInfo), hasPhoto: r.photoKey !== null };
}

/** What the webhooks service calls for each attendance.created delivery; undefined when the record is gone. */
export function webhookAttendanceRenderer(store: Store): (id: string) => Promise<unknown> {
  return async (id) => {
    const r = await store.attendance.byId(id);
    if (!r) return undefined;
    return webhookAttendanceView(r, await store.attendance.personNames([r.personId]));
  };
}
