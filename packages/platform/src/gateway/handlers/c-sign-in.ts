/**
 * 2.3 C_SIGN_IN: one clock-in. Every field of 2.3.2 is kept, with the device, its site,
 * the time received and the upload delay. The answer goes out only after the record and
 * its photo are durable (group commit in domain/ingest.ts). A clock-in is never refused
 * for a bad photo, an unknown person or any clock-in rule (D9): it is kept and flagged,
 * and the bad bytes are not stored. The rules (real-name, geofence, temperature, the
 * 10-second clause) are domain/attendance-rules/. Re-sending the same record is answered
 * with success and no second row.
 */
import { ERRORS, ProtocolError } from '@kaoqin/protocol';
import { checkPhotoBytes } from '@kaoqin/protocol/photo';
import { decodeBase64Photo } from '../../blobs/photo.js';
import { judgeSignIn } from '../../domain/attendance-rules/judge.js';
import type { HandlerResult } from '../../requests/handler.js';
import type { PhotoToStore } from '../../requests/ports.js';
import type { AttendanceFlag, AttendanceInput } from '../../store/types.js';
import type { TcpPorts } from '../context.js';
import { releaseBytes } from '../release-bytes.js';
import type { TcpHandler } from './handler.js';

export const cSignIn: TcpHandler<'C_SIGN_IN'> = async ({
  ports,
  device,
  vendor,
  param: p,
  now,
  transport,
}) => {
  const dev = device!;
  ports.presence.touch(dev.id, now);

  const flags: AttendanceFlag[] = [];
  let photo: PhotoToStore | undefined;
  // img was usually decoded by the gateway, from the frame's bytes (photo-request.ts);
  // else it is still in param. undefined: bad base64; null: no photo sent.
  const bytes = transport.photo ?? (p.img !== undefined && p.img !== '' ? decodeBase64Photo(p.img) : null);
  // A capture photo is evidence, not an enrolment face (§1.2's rules for those are
  // checked, with a full decode, at enrolment): here only what §1.2 says of every
  // photo is checked, format and size, from the bytes themselves and without decoding.
  if (bytes === undefined) flags.push('photo_bad_base64');
  else if (bytes !== null) {
    const checked = checkPhotoBytes(bytes, ports.maxPhotoBytes);
    if (checked === 'jpg' || checked === 'png') photo = { bytes, ext: checked };
    else flags.push(checked);
  }
  // A mobile record's selfie is checked 1:1 against the enrolled face in there (issue 14).
  const judged = await judgeSignIn(ports, dev, p, now, photo?.bytes);
  flags.push(...judged.flags);
  if (dev.siteId === null) flags.push('device_unassigned');
  else if (!(await ports.rosters.has(dev.siteId, p.personId))) flags.push('unknown_person');

  const record: AttendanceInput = {
    deviceId: dev.id,
    vendorId: vendor.id,
    sn: dev.sn,
    siteId: dev.siteId,
    personId: p.personId,
    recordTime: p.recordTime,
    type: p.type,
    bitType: p.bitType ?? null,
    qrCodeInfo: p.qrCodeInfo ? JSON.stringify(p.qrCodeInfo) : null,
    photoKey: null,
    temperature: judged.temperature,
    irisInfo: p.irisInfo ?? null,
    longitude: p.coordinate?.longitude ?? null,
    latitude: p.coordinate?.latitude ?? null,
    realName: judged.realName,
    flags,
    receivedAt: now,
    latencyMs: now - p.recordTime,
    uploadClass: judged.uploadClass,
    fenceDistanceM: judged.fenceDistanceM,
    // Our extension (issue 14); an unusable value was already dropped by the param's schema.
    coordinateAccuracyM: p.coordinate?.accuracy ?? null,
  };
  return stored(ports, record, photo);
};

/**
 * The answer once the record is durable. Module-level, so that all that waits for the
 * group commit here is the record (which the writer holds anyway), its photo and the
 * ports, not the handler's frame: what waits that long is copied by each young-generation
 * collection it outlives (bench/README.md).
 */
function stored(
  ports: TcpPorts,
  record: AttendanceInput,
  photo: PhotoToStore | undefined,
): Promise<HandlerResult> {
  return ports.attendance.submit(record, photo).then(
    () => {
      // Durable, and this request's own (decoded from its frame): freed now, not at V8's
      // next collection, which under a photo burst comes only every 60 MB or so (release-bytes.ts).
      if (photo) releaseBytes(photo.bytes);
      const { deviceId, personId, recordTime, type } = record;
      return { record: { deviceId, personId, recordTime, type } };
    },
    (e: unknown) => {
      // Not durable, so not acked: the device keeps the record and sends it again.
      ports.logger.error({ err: e, sn: record.sn }, 'attendance write failed');
      throw new ProtocolError(ERRORS.BUSY, 'record not stored, send it again');
    },
  );
}
