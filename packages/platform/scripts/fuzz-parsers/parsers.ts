/** The parsers fuzzed, in the order they run and the table lists them. */
import type { Parser } from './outcome.js';
import { frameDecoder } from './parser-frame.js';
import { paramParser } from './parser-param.js';
import { photoReader } from './parser-photo.js';
import { requestDecoder } from './parser-request.js';

export const PARSERS: readonly Parser[] = [
  frameDecoder,
  requestDecoder,
  paramParser('C_HEARTBEAT'),
  paramParser('C_SIGN_IN'),
  photoReader,
];
