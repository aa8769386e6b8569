/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a raw space or Chinese
 * text in the URL, a broken header). Fastify's default answer is
 * `{"message":"Client Error"}`, which tells an operator who typed
 * `curl "$BASE/sites?namePrefix=西湖"` nothing; under /api/ the answer is a problem
 * document like every other refusal there, saying what to percent-encode. Elsewhere the
 * answers stay Fastify's (devices never see this: they send ASCII URLs).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, langOf, problemOf } from '../api/problems.js';

/** Node's parser error; Fastify types `rawPacket` as a Buffer's JSON form, it is a Buffer. */
interface ParserError extends Error {
  code?: string;
  rawPacket?: unknown;
}

/** The request line and headers as far as they arrived, when the parser kept them. */
function head(err: ParserError): string {
  return Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 8192).toString('latin1') : '';
}

const BAD_URL = new Set(['HPE_INVALID_URL', 'HPE_INVALID_CHARACTER']);

export function answerClientError(err: ParserError, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body = '{"error":"Bad Request","message":"Client Error","statusCode":400}';
  let type = 'application/json';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = '{"error":"Request Timeout","message":"Client Timeout","statusCode":408}';
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = `{"error":"${STATUS_CODES[431]}","message":"Exceeded maximum allowed HTTP header size","statusCode":431}`;
  } else {
    const raw = head(err);
    const target = /^[A-Z]+ (\S+)/.exec(raw)?.[1];
    if (target?.startsWith('/api/')) {
      const text = BAD_URL.has(err.code ?? '')
        ? {
            en: 'the URL has a character that must be percent-encoded (a space, Chinese text): e.g. curl -G $BASE/sites --data-urlencode namePrefix=西湖',
            zh: 'URL 中含有须经百分号编码的字符（空格、中文等）：例如 curl -G $BASE/sites --data-urlencode namePrefix=西湖',
          }
        : {
            en: `the request is not valid HTTP (${err.code ?? 'parse error'})`,
            zh: `请求不符合 HTTP 格式（${err.code ?? 'parse error'}）`,
          };
      const lang = langOf(/^accept-language:(.*)$/im.exec(raw)?.[1]);
      const instance = Buffer.from(target.split('?')[0] ?? '', 'latin1').toString('utf8');
      body = JSON.stringify(problemOf(new ApiError('bad_request', text), lang, instance));
      type = 'application/problem+json; charset=utf-8';
    }
  }
  if (socket.writable) {
    const length = Buffer.byteLength(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${length}\r\nContent-Type: ${type}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
