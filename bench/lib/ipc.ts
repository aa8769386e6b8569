/**
 * Request/reply over a child's IPC channel, generic over a command map, both ends: the
 * harness's client (a timeout per call; a child that exits rejects everything it still
 * owes) and the child's loop. One request, one reply, matched by id; plain JSON.
 */
import type { ChildProcess } from 'node:child_process';

/** What each command of a child takes (spec) and answers (result). */
export type CommandMap<Cmds> = Record<keyof Cmds, { spec: unknown; result: unknown }>;

type CommandName<Cmds> = keyof Cmds & string;

export interface Request<Cmds extends CommandMap<Cmds>, C extends CommandName<Cmds> = CommandName<Cmds>> {
  id: number;
  cmd: C;
  spec: Cmds[C]['spec'];
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The harness's side: `label` names the child in errors ("load worker", "platform child"). */
export class IpcClient<Cmds extends CommandMap<Cmds>> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    readonly child: ChildProcess,
    private readonly label: string,
  ) {
    child.on('message', (m: Reply) => {
      if (typeof m !== 'object' || m === null || !('id' in m)) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${label}: ${m.error}`));
    });
    child.once('exit', (code, sig) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${label} exited (${sig ?? code})`));
      this.waiting.clear();
    });
  }

  call<C extends CommandName<Cmds>>(
    cmd: C,
    spec: Cmds[C]['spec'],
    timeoutMs: number,
  ): Promise<Cmds[C]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.label}: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as Cmds[C]['result']);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const req: Request<Cmds, C> = { id, cmd, spec };
      const failed = (why: string): void => {
        const w = this.waiting.get(id);
        this.waiting.delete(id);
        w?.reject(new Error(`${this.label}: ${cmd} not sent: ${why}`));
      };
      if (!this.child.connected) failed('its channel is closed');
      else this.child.send(req, (err) => err && failed(err.message));
    });
  }
}

export type Handlers<Cmds extends CommandMap<Cmds>> = {
  [C in CommandName<Cmds>]: (spec: Cmds[C]['spec']) => Promise<Cmds[C]['result']>;
};

/** The child's side: runs each request (concurrently, as they come) and replies. */
export function serve<Cmds extends CommandMap<Cmds>>(handlers: Handlers<Cmds>): void {
  process.on('message', (m: Request<Cmds>) => {
    if (typeof m !== 'object' || m === null || !('cmd' in m)) return;
    const handler = handlers[m.cmd] as ((spec: unknown) => Promise<unknown>) | undefined;
    const reply = (r: Reply): void => {
      if (process.connected) process.send!(r);
    };
    if (!handler) {
      reply({ id: m.id, ok: false, error: `unknown command ${String(m.cmd)}` });
      return;
    }
    // Called inside an async function so that a handler that throws at once is answered too.
    (async () => handler(m.spec))().then(
      (result) => reply({ id: m.id, ok: true, result }),
      (e: unknown) =>
        reply({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
}

/**
 * A child's way out: when the harness goes away (IPC disconnect) or asks (SIGTERM), run
 * `close` once, then exit, whatever `close` did.
 */
export function exitWhenParentGoes(close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      await close();
    } finally {
      process.exit(0);
    }
  };
  process.once('disconnect', () => void stop());
  process.once('SIGTERM', () => void stop());
}
