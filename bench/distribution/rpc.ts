/**
 * Request/reply over a child's IPC channel, both ends: the harness's client (a timeout
 * per call; a child that exits rejects everything it still owes) and the child's loop.
 */
import type { ChildProcess } from 'node:child_process';
import type { CommandName, PlatformCommands, Reply, Request } from './messages.js';

export class PlatformRpc {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: Reply) => {
      if (typeof m !== 'object' || m === null || !('id' in m)) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`platform child: ${m.error}`));
    });
    child.once('exit', (code, sig) => {
      for (const w of this.waiting.values()) w.reject(new Error(`platform child exited (${sig ?? code})`));
      this.waiting.clear();
    });
  }

  call<C extends CommandName>(
    cmd: C,
    spec: PlatformCommands[C]['spec'],
    timeoutMs: number,
  ): Promise<PlatformCommands[C]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`platform child: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as PlatformCommands[C]['result']);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const req: Request<C> = { id, cmd, spec };
      const failed = (why: string): void => {
        const w = this.waiting.get(id);
        this.waiting.delete(id);
        w?.reject(new Error(`platform child: ${cmd} not sent: ${why}`));
      };
      if (!this.child.connected) failed('its channel is closed');
      else this.child.send(req, (err) => err && failed(err.message));
    });
  }
}

type Handlers = {
  [C in CommandName]: (spec: PlatformCommands[C]['spec']) => Promise<PlatformCommands[C]['result']>;
};

/** The child's side: runs each request (concurrently, as they come) and replies. */
export function serve(handlers: Handlers): void {
  process.on('message', (m: Request) => {
    if (typeof m !== 'object' || m === null || !('cmd' in m)) return;
    const handler = handlers[m.cmd] as ((spec: unknown) => Promise<unknown>) | undefined;
    const reply = (r: Reply): void => {
      if (process.connected) process.send!(r);
    };
    if (!handler) {
      reply({ id: m.id, ok: false, error: `unknown command ${String(m.cmd)}` });
      return;
    }
    handler(m.spec).then(
      (result) => reply({ id: m.id, ok: true, result }),
      (e: unknown) =>
        reply({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
}
