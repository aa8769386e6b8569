/**
 * The contract between the sign-in queue and its sender: how a record is sent, what can
 * happen to the send, and how a C_SIGN_IN answer maps to that.
 */
import { codesWith, ERRORS } from '@kaoqin/protocol';
import type { QueuedRecord } from './storage-types.js';

/** The catalogue's `refused` codes (400_02 param invalid, 403_xx type invalid): the record itself is refused, dead-lettered. */
export const PERMANENT_CODES: ReadonlySet<string> = codesWith('refused');

/**
 * D1: the frame is longer than the platform's maximum. Answered by position (no
 * apicode), to the oldest request outstanding; the platform then closes the connection.
 */
export const TOO_LARGE_CODE: string = ERRORS.FRAME_TOO_LARGE.code;

/** The catalogue's `too_large` codes: over TCP only TOO_LARGE_CODE arises (490_05 is HTTP's body limit). */
export const TOO_LARGE_CODES: ReadonlySet<string> = codesWith('too_large');

/**
 * The catalogue's `re_authenticate` codes (401_xx): the session authenticates again and
 * the record is re-sent as soon as it is ready. Not 400_04 (`check_credentials`): the
 * session authenticates again on it too, but the record waits a back-off, since a wrong
 * secret or signature fails the same way after a new C_AUTH.
 */
export const AUTH_CODES: ReadonlySet<string> = codesWith('re_authenticate');

/** What happened to one send. */
export type SendOutcome =
  | { kind: 'acked' }
  /** Permanent refusal: the record goes to the dead letters. */
  | { kind: 'refused'; code: string; message: string }
  /**
   * Send again. `link`: as soon as the sender is ready again (the connection dropped, or
   * the session is re-authenticating). `backoff`: after a growing pause (platform busy,
   * internal error, clock being corrected, anything unexpected).
   */
  | { kind: 'retry'; wait: 'link' | 'backoff'; reason: string; code?: string };

/**
 * Maps a C_SIGN_IN answer to what the queue does with the record: success acks it; a
 * PERMANENT_CODES refusal dead-letters it; 401_xx waits for the session's new C_AUTH;
 * 490_01 (frame too large) waits for the next connection, the queue deciding whose
 * frame it was (see DurableQueue); every other code (the catalogue's retry,
 * check_credentials and resync_clock: 490_08, 500_01, 400_04, 400_05; codes we do not
 * know) is retried with backoff, because it may be the platform's or the
 * link's condition and dropping a worker's attendance for it would be worse than sending
 * it again.
 */
export function classifySignInAnswer(answer: {
  success: boolean;
  errorcode?: string | undefined;
  errormsg?: string | undefined;
  detail?: string | undefined;
}): SendOutcome {
  if (answer.success) return { kind: 'acked' };
  const code = answer.errorcode ?? '?';
  const message = [answer.errormsg, answer.detail].filter(Boolean).join(': ') || 'refused';
  if (PERMANENT_CODES.has(code)) return { kind: 'refused', code, message };
  if (AUTH_CODES.has(code) || TOO_LARGE_CODES.has(code))
    return { kind: 'retry', wait: 'link', code, reason: message };
  return { kind: 'retry', wait: 'backoff', code, reason: message };
}

/** How the queue sends one record. */
export interface SendOptions {
  /**
   * The queue sends nothing else until this record is answered: it is finding out which
   * record a 490_01 (answered by position) belongs to. The sender should first let every
   * request already on the link be answered (the client sends a heartbeat and waits for
   * its answer), so that an answer by position can only be this record's. A sender that
   * does not is still correct, only slower to get past a record that is too large.
   */
  isolated?: boolean;
}

/** Sends records: the session, in the client. */
export interface QueueSender {
  /** `record.param` may differ from the stored text: the record without its photo, after a 490_01. */
  send(record: QueuedRecord, opts?: SendOptions): Promise<SendOutcome>;
  /** Whether a send can go out now. */
  ready(): boolean;
  /** Resolves when the sender becomes ready; rejects once it is stopped. */
  whenReady(): Promise<void>;
}
