/**
 * What the mobile bridge (POST /api/mobile/v1/frames, docs/protocol.md 12) needs,
 * injected at the composition root. The frame processor is the TCP gateway's own
 * (gateway/process.ts FrameRequests, built in app.ts from the very GatewayContext the
 * gateway gets), so credentials, checks, handlers, ports and the ingest group commit are
 * the gateway's, not copies. It is named here by its shape only: the two transports
 * share the request core, not each other's code (test/layering.test.ts).
 */
import type { AnswerInit, ProtocolError } from '@kaoqin/protocol';
import type { Logger } from '../../log.js';

/** What the bridge reads of a frame's outcome: the answer (the TCP connection also reads device binding and hygiene, which a stateless carrier has no use for). */
export interface BridgeOutcome {
  answer: AnswerInit;
  /** Set for a stored clock-in (a successful C_SIGN_IN): its key (D9), whose verdict `results` reports. */
  record?: { deviceId: string; personId: string; recordTime: number; type: number };
}

/** What a stored clock-in says of itself (`results[i]` of the answer). */
export interface RecordVerdict {
  realName: boolean;
  flags: string[];
}

/** Reads the stored record of a key (store/mobile.ts recordVerdict). */
export interface RecordVerdicts {
  recordVerdict(
    deviceId: string,
    personId: string,
    recordTime: number,
    type: number,
  ): Promise<RecordVerdict | undefined>;
}

/** One request frame in, one answer out: the gateway's FrameRequests. */
export interface FrameProcessor {
  process(payload: Uint8Array, peer: string | undefined): Promise<BridgeOutcome>;
  /** The answer to a stream that cannot be read further (490_01, 490_02), or to a body refused whole. */
  framingFailure(error: ProtocolError): BridgeOutcome;
}

export interface MobileBridgeLimits {
  /** D1's frame maximum, the gateway's `maxFrameBytes`. */
  maxFrameBytes: number;
  /** Frames of one body handled at once: the gateway's `maxInFlightPerConnection`. */
  maxInFlight: number;
  /** Largest body (490_05): `maxHttpBodyBytes`, as for POST /api/device. */
  maxBodyBytes: number;
}

export interface MobileBridgeDeps {
  frames: FrameProcessor;
  /** Where `results` come from: the stored clock-ins. */
  verdicts: RecordVerdicts;
  limits: MobileBridgeLimits;
  logger: Logger;
}

/**
 * Frames one body may carry; more is refused whole with 490_05 (split the batch). 32
 * keeps one POST's work near one TCP read's, and a phone's offline backlog still drains
 * in batches the ingest group-commits together.
 */
export const MAX_FRAMES_PER_BODY = 32;
