/**
 * X_ENROL_PERSON (kaoqin's extension, docs/protocol.md 4.13): a capture device enrols a
 * person it read off an ID card and photographed, for the site it is bound to. The
 * checks (token, sign with every img left out, param shape) already ran; the capture
 * enrolment answers with the person, or refuses with 490_09 and every failed rule.
 */
import { ERRORS, ProtocolError } from '@kaoqin/protocol';
import type { HttpHandler } from './handler.js';

export const xEnrolPerson: HttpHandler<'X_ENROL_PERSON'> = async ({ ports, device, param }) => {
  if (!ports.capture)
    throw new ProtocolError(ERRORS.APICODE_INVALID, 'this platform enrols no persons from devices');
  // Token-authenticated, so the device is known.
  return { response: await ports.capture.enrol(device!, param) };
};
