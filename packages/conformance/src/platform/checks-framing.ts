/**
 * Clause 1.2: TCP frames are a Base-128 varint length and that many bytes of protobuf
 * (the standard's example: 0xAC02 is 300 bytes). A platform must take a frame however
 * TCP cuts it, several frames in one read, and refuse a length it will not hold, or a
 * varint longer than 32 bits, with an error or a close: never by waiting for bytes that
 * will not come, or by allocating what the length claims.
 */
import { type Check, must } from '../check.js';
import type { PlatformTarget } from './target.js';
import { authFrame, Wire } from './wire.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const framingChecks: Check<PlatformTarget>[] = [
  {
    id: 'framing.split',
    clause: '1.2',
    title: 'a C_AUTH frame sent in pieces (its length varint cut in two) is answered once, whole',
    async run(target, ev) {
      const wire = await Wire.open(target, ev);
      try {
        const frame = authFrame(target);
        // Cut inside the varint, then mid-message: the worst cuts TCP can make.
        const cuts = [1, Math.floor(frame.length / 2), frame.length];
        let from = 0;
        for (const to of cuts) {
          wire.send(frame.subarray(from, to), from === 0 ? 'C_AUTH, first piece' : undefined);
          from = to;
          await sleep(50);
        }
        const a = await wire.answer();
        must(a.success, `the reassembled C_AUTH was refused (${String(a.error?.errorcode)})`);
        const extra = await wire.next(300);
        must(extra.kind === 'timeout', 'a second answer (or a close) followed one frame');
      } finally {
        wire.close();
      }
    },
  },
  {
    id: 'framing.coalesced',
    clause: '1.2',
    title: 'three frames in one write are answered three times, in order',
    async run(target, ev) {
      const wire = await Wire.open(target, ev);
      try {
        // The middle one lacks its sn (402_02): a refusal that depends on no signature rule.
        const frames = [authFrame(target), authFrame(target, { sn: undefined }), authFrame(target)];
        wire.send(Buffer.concat(frames), 'C_AUTH good, without sn, good — one write');
        const answers = [await wire.answer(), await wire.answer(), await wire.answer()];
        must(
          answers.map((a) => a.success).join() === 'true,false,true',
          `answers in order should be success, failure, success; got ${answers.map((a) => a.success).join(', ')}`,
        );
      } finally {
        wire.close();
      }
    },
  },
  {
    id: 'framing.oversized',
    clause: '1.2',
    title: 'a length of 1 GiB is refused with an error answer or a close, at once',
    async run(target, ev) {
      const wire = await Wire.open(target, ev);
      try {
        // varint 0x40000000 (1 GiB), then a few bytes of what would be the frame.
        wire.send(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x0a, 0x06]), 'length 1 GiB');
        const n = await wire.next(5000);
        must(n.kind !== 'timeout', 'no answer and no close within 5 s: the platform waits for a gigabyte');
        if (n.kind === 'answer') must(!n.answer.success, 'the oversized frame was answered with success');
      } finally {
        wire.close();
      }
    },
  },
  {
    id: 'framing.bad-varint',
    clause: '1.2',
    title: 'a length varint longer than 5 bytes is refused with an error answer or a close',
    async run(target, ev) {
      const wire = await Wire.open(target, ev);
      try {
        wire.send(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'varint of 7 bytes');
        const n = await wire.next(5000);
        must(n.kind !== 'timeout', 'no answer and no close within 5 s');
        if (n.kind === 'answer') must(!n.answer.success, 'the bad varint was answered with success');
      } finally {
        wire.close();
      }
    },
  },
];
