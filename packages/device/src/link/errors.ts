/**
 * The session's refusals, and how the link keeps errors that are not its own (a vendor
 * callback that throws) out of its stack.
 */

/** C_AUTH was answered with a refusal. */
export class AuthRefusedError extends Error {
  override name = 'AuthRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`C_AUTH refused: ${code} ${message}`);
  }
}

/** A heartbeat was answered with a refusal (the session re-authenticates itself on 401_xx/400_04). */
export class HeartbeatRefusedError extends Error {
  override name = 'HeartbeatRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`C_HEARTBEAT refused: ${code} ${message}`);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a vendor callback; one that throws becomes a process warning, as a throwing listener does. */
export function callSafely(name: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`kaoqin device: ${name} threw: ${errorText(err)}`);
  }
}
