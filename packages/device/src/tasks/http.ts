/**
 * The device's side of the HTTP task API (chapter 3): POST `${httpBaseUrl}/api/device`
 * with the canonical body (docs/protocol.md 4.1: param always a JSON string, signed per
 * D4 as that very string), then the answer checked before anything in it is believed:
 *
 * - a successful answer must carry the sign of its apicode's answer formula (5.3),
 *   computed over the exact `response` text received (5.1); one that does not match is
 *   refused like a network error (retried), since it is either corrupted or forged;
 * - a failure answer is signed when the platform knew the device's secret (K9); a
 *   signed one that does not match is refused the same way, an unsigned one is taken as
 *   unauthenticated information (its code is acted on, nothing more);
 * - the task apicodes' answers must name the task asked about (K7, covered by the sign).
 *
 * Network errors, timeouts and the catalogue's `retry` codes (500_01, 490_03, 490_08)
 * are retried with back-off; on its REAUTHENTICATE_CODES (401_01, 401_02, 400_04) the
 * host is told (it runs C_AUTH again) and the request is sent once more with the fresh
 * token. D12: a `response` that is an envelope is opened with the vendor's
 * private key, after the signature over the envelope text checked out.
 */
import type { KeyLike } from 'node:crypto';
import {
  APICODE_SPECS,
  type Apicode,
  codesWith,
  isEnvelope,
  openResponse,
  REAUTHENTICATE_CODES,
  rawMemberText,
  signRequest,
  verifyAnswerSignature,
} from '@kaoqin/protocol';
import type { TaskRunnerHost } from '../types.js';
import { backoffDelay, RETRY_DEFAULTS, type RetryOptions, sleep, withTimeout } from './retry.js';

export const DEVICE_API_PATH = '/api/device';
export const DEFAULT_PROTOCOL_VERSION = 'v1.0.0';

/** Catalogue codes worth retrying: the platform's own trouble, not the request's (7.1). */
const TRANSIENT_CODES = codesWith('retry');

export interface TaskHttpOptions extends RetryOptions {
  /** Per request, the answer's body included; default 15 s. */
  timeoutMs?: number;
  /** D12: the vendor's RSA private key, when it registered the public key with the operator. */
  responsePrivateKey?: KeyLike;
  /** Aborts every request and back-off (the runner's close). */
  signal?: AbortSignal;
  /** For tests: the fetch to use; default the global one. */
  fetch?: typeof fetch;
}

/**
 * A request that did not succeed. `code` is the platform's errorcode (such as 490_07) or
 * one of ours: network, timeout, bad_sign (answer signature did not match), bad_answer
 * (not a protocol answer), encrypted (a D12 envelope and no key), auth (the host could
 * not get a token), closed (the runner is closing).
 */
export class TaskHttpError extends Error {
  readonly code: string;
  /** Whether trying again later may succeed (the caller gave up after its retries). */
  readonly transient: boolean;
  /**
   * A signed failure answer's response (opened, when sealed): X_ENROL_PERSON's 490_09
   * lists the failed rules there. Undefined for every other failure.
   */
  readonly response: unknown;
  constructor(code: string, message: string, transient: boolean, response?: unknown) {
    super(`${code}: ${message}`);
    this.name = 'TaskHttpError';
    this.code = code;
    this.transient = transient;
    this.response = response;
  }
}

export interface TaskRequest {
  taskid?: string;
  /** The param's JSON text; sent as a JSON string and signed as this exact text. */
  param?: string;
}

export interface TaskAnswer {
  taskid?: string;
  /** The parsed response (opened, when it was an envelope); undefined when there is none. */
  response: unknown;
}

export class TaskHttpClient {
  readonly #host: TaskRunnerHost;
  readonly #opts: TaskHttpOptions;
  readonly #url: string;
  readonly #fetch: typeof fetch;

  constructor(host: TaskRunnerHost, opts: TaskHttpOptions = {}) {
    this.#host = host;
    this.#opts = opts;
    this.#url = `${host.httpBaseUrl.replace(/\/+$/, '')}${DEVICE_API_PATH}`;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** Sends one T_* request, with retries and one re-authentication; throws TaskHttpError. */
  async call(apicode: Apicode, req: TaskRequest = {}): Promise<TaskAnswer> {
    const attempts = this.#opts.attempts ?? RETRY_DEFAULTS.attempts;
    let reauthenticated = false;
    for (let attempt = 0; ; ) {
      let token: string | undefined;
      let error: TaskHttpError;
      try {
        token = await this.#token();
        return await this.#once(apicode, token, req);
      } catch (e) {
        error = this.#asError(e);
      }
      if (error.code === 'closed') throw error;
      if (token !== undefined && REAUTHENTICATE_CODES.has(error.code) && !reauthenticated) {
        // Once per request: a second refusal means the credentials themselves are wrong.
        reauthenticated = true;
        this.#host.tokenRejected(token);
        continue;
      }
      if (!error.transient || ++attempt >= attempts) throw error;
      try {
        await sleep(backoffDelay(attempt - 1, this.#opts), this.#opts.signal);
      } catch {
        throw new TaskHttpError('closed', 'the task runner is closing', true);
      }
    }
  }

  /**
   * The host's token, or 'closed' as soon as the signal aborts: with the link down the
   * host may take as long as a reconnect to answer (or never, a custom host), and close()
   * must not wait for it. A token that comes (or fails) after that is ignored.
   */
  async #token(): Promise<string> {
    const signal = this.#opts.signal;
    const closed = () => new TaskHttpError('closed', 'the task runner is closing', true);
    if (signal?.aborted) throw closed();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(closed());
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      // race() handles the token's promise whichever settles first: a late failure is no unhandled rejection.
      return await Promise.race([this.#host.token(), aborted]);
    } catch (e) {
      if (e instanceof TaskHttpError && e.code === 'closed') throw e;
      throw new TaskHttpError('auth', `no token: ${(e as Error).message}`, true);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  #asError(e: unknown): TaskHttpError {
    if (e instanceof TaskHttpError) return e;
    if (this.#opts.signal?.aborted) return new TaskHttpError('closed', 'the task runner is closing', true);
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return new TaskHttpError('timeout', 'no answer in time', true);
    }
    return new TaskHttpError('network', err.message, true);
  }

  async #once(apicode: Apicode, token: string, req: TaskRequest): Promise<TaskAnswer> {
    const { sn, accessSecret, protocolVersion } = this.#host.identity;
    const version = protocolVersion ?? DEFAULT_PROTOCOL_VERSION;
    const spec = APICODE_SPECS[apicode];
    const taskid = spec.taskid ? req.taskid : undefined;
    const sign = signRequest(
      apicode,
      { version, sn, token, taskid, apicode, param: req.param },
      accessSecret,
    );
    // Built by hand so that member order is the tables' and param is a JSON string (4.1).
    let body = `{"version":${JSON.stringify(version)},"sn":${JSON.stringify(sn)},"token":${JSON.stringify(token)}`;
    body += `,"apicode":${JSON.stringify(apicode)}`;
    if (taskid !== undefined) body += `,"taskid":${JSON.stringify(taskid)}`;
    if (req.param !== undefined) body += `,"param":${JSON.stringify(req.param)}`;
    body += `,"sign":${JSON.stringify(sign)}}`;

    const signal = withTimeout(this.#opts.timeoutMs ?? 15_000, this.#opts.signal);
    const res = await this.#fetch(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
      signal,
    });
    const raw = await res.text();
    return this.#read(apicode, taskid, raw, res.status);
  }

  #read(apicode: Apicode, taskid: string | undefined, raw: string, status: number): TaskAnswer {
    let a: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      a = parsed as Record<string, unknown>;
    } catch {
      // A proxy's error page, a truncated body: the platform never answered properly.
      throw new TaskHttpError('bad_answer', `HTTP ${status}, not a JSON answer`, true);
    }
    if (typeof a.success !== 'boolean' || typeof a.version !== 'string') {
      throw new TaskHttpError('bad_answer', `HTTP ${status}, no success or version member`, true);
    }
    const answerTaskid = typeof a.taskid === 'string' ? a.taskid : undefined;
    const responseText = a.response === undefined ? undefined : rawMemberText(raw, 'response');
    const sign = typeof a.sign === 'string' ? a.sign : undefined;
    const signed =
      sign !== undefined &&
      verifyAnswerSignature(
        apicode,
        { version: a.version, success: a.success, taskid: answerTaskid, response: responseText, sign },
        this.#host.identity.accessSecret,
      );

    if (!a.success) {
      // K9: a failure the platform could not sign is still acted on (it can only make us
      // retry, re-authenticate or drop a task); one signed wrongly is not believed.
      if (sign !== undefined && !signed)
        throw new TaskHttpError('bad_sign', `${apicode} failure answer`, true);
      const err = (a.error ?? {}) as { errorcode?: unknown; errormsg?: unknown; detail?: unknown };
      const code = typeof err.errorcode === 'string' ? err.errorcode : 'bad_answer';
      const text = [err.errormsg, err.detail].filter((t) => typeof t === 'string').join(': ');
      // Only a signed failure's response is believed (an unsigned one could be anyone's).
      let response: unknown;
      try {
        response = signed && a.response !== undefined ? this.#open(a.response) : undefined;
      } catch {
        // A sealed list and no key: the code alone still says what to do.
      }
      throw new TaskHttpError(
        code,
        text || `${apicode} failed`,
        TRANSIENT_CODES.has(code) || code === 'bad_answer',
        response,
      );
    }
    if (!signed) throw new TaskHttpError('bad_sign', `${apicode} answer signature does not match`, true);
    if (taskid !== undefined && answerTaskid !== taskid) {
      // Signed, but for another task: a replayed answer, never the platform's doing.
      throw new TaskHttpError('bad_answer', `answer names task ${answerTaskid}, asked ${taskid}`, true);
    }
    const response = this.#open(a.response);
    return answerTaskid === undefined ? { response } : { taskid: answerTaskid, response };
  }

  /** The response as sent, or opened when it is a D12 envelope. */
  #open(response: unknown): unknown {
    if (!isEnvelope(response)) return response;
    const key = this.#opts.responsePrivateKey;
    if (key === undefined) {
      throw new TaskHttpError(
        'encrypted',
        'the response is encrypted (D12) and no private key is configured',
        false,
      );
    }
    try {
      return JSON.parse(openResponse(key, response));
    } catch (e) {
      throw new TaskHttpError(
        'encrypted',
        `the response envelope does not open: ${(e as Error).message}`,
        false,
      );
    }
  }
}
