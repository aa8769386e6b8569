/**
 * Deliberately broken targets for the conformance kit: a TCP proxy in front of a real
 * platform that rewrites each request frame on its way in, so the platform behind it acts
 * as one with a single defect (and an HTTP front that rewrites chapter 3 answers). The
 * kit must fail exactly the checks that defect breaks.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  decodeAnswerPayload,
  decodeRequestPayload,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  encodeFrame,
  FrameDecoder,
  type IncomingRequest,
  md5Hex,
  rawMemberText,
  signAnswer,
  signRequest,
  stripImageMembers,
} from '@kaoqin/protocol';

export type Rewrite = (req: IncomingRequest) => IncomingRequest;

export interface BrokenTarget {
  port: number;
  close(): Promise<void>;
}

export async function brokenProxy(
  upstreamPort: number,
  rewrite: Rewrite,
  rewriteAnswer?: (payload: Uint8Array) => Uint8Array,
): Promise<BrokenTarget> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    const decoder = new FrameDecoder();
    const bothGone = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      try {
        for (const payload of decoder.push(chunk))
          upstream.write(encode(rewrite(decodeRequestPayload(payload))));
      } catch {
        bothGone(); // a frame this proxy cannot read: a close, as a platform may answer one
      }
    });
    if (!rewriteAnswer) upstream.pipe(client);
    else {
      const answers = new FrameDecoder();
      upstream.on('data', (chunk: Buffer) => {
        for (const payload of answers.push(chunk)) client.write(encodeFrame(rewriteAnswer(payload)));
      });
    }
    for (const s of [client, upstream]) {
      s.on('error', bothGone);
      s.on('close', () => {
        sockets.delete(s);
        bothGone();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function encode(r: IncomingRequest): Uint8Array {
  const s = (v: string | undefined) => v ?? '';
  if (r.apicode === 'C_AUTH')
    return encodeAuthRequestFrame({
      version: s(r.version),
      sn: s(r.sn),
      apicode: 'C_AUTH',
      accessId: s(r.accessId),
      accessKey: s(r.accessKey),
      timeStamp: s(r.timeStamp),
      sign: s(r.sign),
    });
  return encodeDeviceRequestFrame({
    version: s(r.version),
    sn: s(r.sn),
    token: s(r.token),
    apicode: s(r.apicode),
    timeStamp: s(r.timeStamp),
    param: s(r.param),
    sign: s(r.sign),
  });
}

/** A platform that never checks a signature: every signed request is re-signed correctly. */
export function ignoresSignatures(secret: string): Rewrite {
  return (r) => {
    if (r.sign === undefined || r.apicode === undefined) return r;
    const apicode = r.apicode as 'C_AUTH' | 'C_HEARTBEAT' | 'C_SIGN_IN';
    const values = Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
    return { ...r, sign: signRequest(apicode, values, secret) };
  };
}

/**
 * A platform that signs C_SIGN_IN's param with its img in (clause 1.5 leaves it out): a
 * request whose sign does not match that formula is spoiled, so the platform refuses it.
 */
export function signsTheImage(secret: string): Rewrite {
  return (r) => {
    if (r.apicode !== 'C_SIGN_IN' || r.sign === undefined) return r;
    const withImg = md5Hex(
      `${r.version ?? ''}${r.sn ?? ''}${r.token ?? ''}${r.apicode}${r.timeStamp ?? ''}${r.param ?? ''}${secret}`,
    );
    return withImg === r.sign ? r : { ...r, sign: '0'.repeat(32) };
  };
}

/**
 * A platform that takes only the exact reading of D4 for C_SIGN_IN: the param as sent
 * with its img member cut out, not the compact JSON a device may sign instead. The two
 * differ only for a param not sent as compact JSON (one of the protocol's vectors).
 */
export function exactReadingOnly(secret: string): Rewrite {
  return (r) => {
    if (r.apicode !== 'C_SIGN_IN' || r.sign === undefined) return r;
    const exact = md5Hex(
      `${r.version ?? ''}${r.sn ?? ''}${r.token ?? ''}${r.apicode}${r.timeStamp ?? ''}${stripImageMembers(r.param ?? '')}${secret}`,
    );
    return exact === r.sign ? r : { ...r, sign: '0'.repeat(32) };
  };
}

/** An HTTP front for chapter 3 that passes each body through and rewrites the answer's text. */
export async function brokenHttpProxy(
  upstreamUrl: string,
  rewrite: (answer: string, request: string) => string,
): Promise<BrokenTarget & { url: string }> {
  const server = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = Buffer.concat(chunks).toString();
    const up = await fetch(upstreamUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request,
    });
    res.writeHead(up.status, { 'content-type': 'application/json' });
    res.end(rewrite(await up.text(), request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}/api/device`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A platform that signs its answers in the wrong order (response before version and
 * success): every successful T_GET_TASKS answer's sign is replaced by that one.
 */
export function signsAnswersOutOfOrder(secret: string): (answer: string) => string {
  return (text) => {
    const a = JSON.parse(text) as { version?: string; success?: boolean; response?: unknown; sign?: string };
    if (a.sign === undefined || a.response === undefined) return text;
    const response = rawMemberText(text, 'response') ?? '';
    return JSON.stringify({ ...a, sign: md5Hex(`${response}${a.version}${a.success}${secret}`) });
  };
}

/**
 * A platform whose person pages follow the live roster instead of the task's frozen one:
 * a page fetched a second time holds one person more, and one page more is announced.
 */
export function unfrozenPages(secret: string): (answer: string) => string {
  const fetched = new Set<string>();
  return (text) => {
    const a = JSON.parse(text) as { version: string; success: boolean; taskid?: string; response?: unknown };
    const r = a.response as { data?: unknown[]; currentPage?: number; totalPage?: number } | undefined;
    if (!a.success || a.taskid === undefined || !Array.isArray(r?.data)) return text;
    const key = `${a.taskid}/${r.currentPage}`;
    if (!fetched.has(key)) {
      fetched.add(key);
      return text;
    }
    const response = JSON.stringify({
      ...r,
      data: [...r.data, { personId: `late-${key}`, name: '后来者', imgUrls: [] }],
      totalPage: (r.totalPage ?? 0) + 1,
    });
    const sign = signAnswer(
      'T_SEND_PERSON',
      { version: a.version, success: true, taskid: a.taskid, response },
      secret,
    );
    return `{"version":${JSON.stringify(a.version)},"success":true,"taskid":${JSON.stringify(a.taskid)},"response":${response},"sign":"${sign}"}`;
  };
}

/** Passes requests through unchanged. */
export const asIs: Rewrite = (r) => r;

/**
 * A platform whose PlatformResponse has error and response in each other's field numbers
 * (4 and 5, D2): written by hand, as such a platform's protobuf would be.
 */
export function swappedAnswerFields(payload: Uint8Array): Uint8Array {
  const a = decodeAnswerPayload(payload);
  const field = (n: number, text: string) => {
    const bytes = Buffer.from(text);
    return bytes.length === 0
      ? Buffer.alloc(0)
      : Buffer.concat([Buffer.from([(n << 3) | 2]), varint(bytes.length), bytes]);
  };
  return Buffer.concat([
    field(1, a.version),
    Buffer.from([0x10, a.success ? 1 : 0]),
    field(3, a.apicode),
    field(4, a.response),
    field(5, a.error),
  ]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}
