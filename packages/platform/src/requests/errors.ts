/**
 * The one error policy of device requests: a refusal (ProtocolError) is answered as it
 * is; anything else, and any 500_01 however it was raised, is answered 500_01 with no
 * detail, since an exception's message is internal (a store's, a library's, an id) and
 * must never reach a device. The request core logs the exception instead.
 */
import { ERRORS, ProtocolError } from '@kaoqin/protocol';

/** 500_01 carries only the catalogue's text; one shared instance, as it holds nothing of the request. */
const SYSTEM_ERROR = new ProtocolError(ERRORS.SYSTEM);

export function asProtocolError(e: unknown): ProtocolError {
  return e instanceof ProtocolError && e.entry !== ERRORS.SYSTEM ? e : SYSTEM_ERROR;
}
