/**
 * How persons and assignments look in answers. Default reads mask the ID number
 * (330102********1234) and phone (138****5678) and carry photos only as signed, expiring
 * URLs (the download signer devices use); the other ID-card fields come only from the
 * audited identity endpoint (identity.ts). An erased person is a tombstone: id, status,
 * when, and the assignments the attendance rows still point at.
 */
import type { FastifyRequest } from 'fastify';
import { maskPhone } from '../../../domain/masking.js';
import type { AssignmentRow, PersonRow } from '../../../store/index.js';
import { publicBaseUrl } from '../../base-url.js';
import { etagOf } from '../../etag.js';
import { isoCst, isoOrNull } from '../../time.js';
import type { ApiDeps } from '../../types.js';

export const assignmentView = (a: AssignmentRow) => ({
  assignmentId: a.id,
  personId: a.personId,
  siteId: a.siteId,
  company: a.company,
  team: a.team,
  trade: a.trade,
  joinedOn: a.joinedOn,
  leftOn: a.leftOn,
  status: a.status,
  createdAt: isoCst(a.createdAt),
  updatedAt: isoCst(a.updatedAt),
  endedAt: isoOrNull(a.endedAt),
});

/** A signed URL for one photo, and when it stops working. */
export function photoLink(deps: ApiDeps, req: FastifyRequest, key: string) {
  const now = deps.now();
  return {
    url: deps.data.urls.photoUrl(publicBaseUrl(deps.config, req), key, now),
    // As the signer computes it: whole seconds, never past the TTL.
    expiresAt: isoCst(Math.floor((now + deps.config.downloadUrlTtlMs) / 1000) * 1000),
  };
}

/** The face-vs-ID-card 1:1 kept with the person (§1.1(4)), and its review. */
export const faceMatchView = (p: PersonRow) => ({
  score: p.faceMatch.score,
  threshold: p.faceMatch.threshold,
  outcome: p.faceMatch.outcome,
  checkedAt: isoOrNull(p.faceMatch.checkedAt),
  review: p.faceMatch.review,
  reviewedBy: p.faceMatch.reviewedBy,
  reviewedAt: isoOrNull(p.faceMatch.reviewedAt),
});

/** A list row: no sealed field is opened, no photo is handed out. */
export function personListView(deps: ApiDeps, p: PersonRow) {
  return {
    personId: p.id,
    name: p.status === 'erased' ? null : p.name,
    idNumber: p.status === 'erased' ? null : deps.data.persons.maskedIdNumber(p),
    status: p.status,
    photoCount: p.photoKeys.length,
    review: p.faceMatch.review,
    createdAt: isoCst(p.createdAt),
    updatedAt: isoCst(p.updatedAt),
  };
}

/** One person, as GET /persons/{id} shows them: masked, photos by signed URL, assignments. */
export function personView(deps: ApiDeps, req: FastifyRequest, p: PersonRow, assignments: AssignmentRow[]) {
  const erased = p.status === 'erased';
  const phone = erased ? undefined : deps.data.persons.pii(p).phone;
  return {
    ...personListView(deps, p),
    phone: phone === undefined ? null : maskPhone(phone),
    photos: p.photoKeys.map((k) => photoLink(deps, req, k)),
    hasIdCardPhoto: p.idCardPhotoKey !== null,
    hasIdCardFront: p.idCardFrontKey !== null,
    hasIdCardBack: p.idCardBackKey !== null,
    faceMatch: faceMatchView(p),
    assignments: assignments.map(assignmentView),
    etag: etagOf(p.version),
    erasedAt: isoOrNull(p.erasedAt),
  };
}
