/**
 * Framing cases (D1), as hex. `chunks` says how the stream is cut into reads:
 * "whole" (one read), "bytes" (one byte a read), or a list of read sizes.
 */
import type { FramingVector } from '../../src/index.js';

const payload300 = '0a'.repeat(300);

export function framingVectors(): FramingVector[] {
  return [
    { name: 'one small frame', streamHex: '03010203', chunks: 'whole', frames: ['010203'] },
    {
      name: "the standard's example: 0xAC02 is 300 bytes",
      streamHex: `ac02${payload300}`,
      chunks: 'whole',
      frames: [payload300],
    },
    { name: 'zero-length frame', streamHex: '00', chunks: 'whole', frames: [''] },
    {
      name: 'three frames in one read, one of them empty',
      streamHex: '0161' + '00' + '026263',
      chunks: 'whole',
      frames: ['61', '', '6263'],
    },
    {
      name: 'a frame split byte by byte, varint included',
      streamHex: `ac02${payload300}`,
      chunks: 'bytes',
      frames: [payload300],
    },
    {
      name: 'split inside the varint',
      streamHex: `ac02${payload300}0161`,
      chunks: [1, 150, 151, 2],
      frames: [payload300, '61'],
    },
    {
      name: 'incomplete frame: its length is read, its 3 payload bytes held',
      streamHex: '05010203',
      chunks: 'whole',
      frames: [],
      buffered: 3,
    },
    {
      name: 'length exactly at the maximum is accepted',
      streamHex: '0a' + '00'.repeat(10),
      chunks: 'whole',
      maxFrameBytes: 10,
      frames: ['00'.repeat(10)],
    },
    {
      name: 'length over the maximum is refused before the payload',
      streamHex: '0b00',
      chunks: 'whole',
      maxFrameBytes: 10,
      frames: [],
      error: '490_01',
    },
    {
      name: 'declared 4 GiB: refused at once, nothing buffered for it',
      streamHex: 'ffffffff0f',
      chunks: 'whole',
      frames: [],
      error: '490_01',
    },
    {
      name: 'varint over 5 bytes is refused',
      streamHex: '808080808001',
      chunks: 'whole',
      frames: [],
      error: '490_02',
    },
    {
      name: 'frames before a bad length still come out',
      streamHex: '0161' + 'ffffffffff01',
      chunks: [2, 6],
      frames: ['61'],
      error: '490_02',
    },
    {
      name: 'non-minimal varint (0x8100 = 1) is a valid length',
      streamHex: '810061',
      chunks: 'whole',
      frames: ['61'],
    },
  ];
}
