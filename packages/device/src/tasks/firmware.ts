/**
 * T_UPDATE_DEVICE_VERSION (docs/protocol.md 4.11): download the image, check it, hand it
 * to the vendor's FirmwareInstaller.
 *
 * The descriptor comes from the task's param in the SIGNED T_GET_TASKS answer: the 3.7
 * answer carries it too, but its signature leaves `response` out (K8), so its size and
 * sha256 are never believed. Its downloadUrl is used only when the signed one is refused
 * (a signed URL expires; the platform signs a fresh one per answer): the file is checked
 * against the signed size and sha256 whichever URL served it.
 *
 * The image goes to `${downloadDir}/kaoqin-fw-<taskid>.part`, kept across tries and
 * across a task abandoned on a network failure, so the next offer resumes it with a
 * Range request. Without an installer the task is reported unsupported (3) at once.
 *
 * Partial files of other tasks are removed when a firmware task runs (when the directory
 * is the runner's own, settings.sweepFirmwareParts): tasks run one at a time, so no other
 * download is under way, and room is made for this image. An abandoned firmware task
 * holds back no later task (runner.ts), so an older task's file may go while that task is
 * still open: if the platform offers it again, it downloads from the start. A task that
 * ends without resuming (refused, closed, failed) removes its own. On start the runner
 * keeps only the newest task's file (sweepFirmwareParts()).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type FirmwareDescriptor, firmwareDescriptor } from '@kaoqin/protocol';
import type { TaskContext, TaskOutcome } from './context.js';
import { DownloadError, downloadToFile, verifyFirmwareFile } from './download.js';
import { TaskHttpError } from './http.js';

/** The file a task's image is downloaded to (one per task, so a resume never mixes two images). */
export function firmwarePartPath(downloadDir: string, taskid: string): string {
  return join(downloadDir, `kaoqin-fw-${taskid.replace(/[^0-9A-Za-z_-]/g, '_')}.part`);
}

const PART_FILE = /^kaoqin-fw-(.+)\.part$/;

/** Task ids order by length, then text (as compareTaskIds in ids.ts: 19-digit decimals). */
const newer = (a: string, b: string): boolean => a.length > b.length || (a.length === b.length && a > b);

/**
 * Removes partial firmware downloads from downloadDir: all but `keepTaskid`'s, or, without
 * one (on start, when no task is running), all but the newest task's (normally the only
 * one: each firmware task removes the others' when it runs). Other files are left alone;
 * a missing directory or a file that cannot be removed is no error (the next sweep tries
 * again).
 */
export async function sweepFirmwareParts(downloadDir: string, keepTaskid?: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(downloadDir);
  } catch {
    return;
  }
  const parts = names.flatMap((name) => {
    const m = PART_FILE.exec(name);
    return m ? [{ name, id: m[1]! }] : [];
  });
  let keep: string | undefined;
  if (keepTaskid !== undefined) keep = basename(firmwarePartPath(downloadDir, keepTaskid));
  else {
    let newest: { name: string; id: string } | undefined;
    for (const p of parts) if (newest === undefined || newer(p.id, newest.id)) newest = p;
    keep = newest?.name;
  }
  for (const p of parts) {
    if (p.name !== keep) await rm(join(downloadDir, p.name), { force: true }).catch(() => {});
  }
}

/** Statuses a refused URL answers with; another URL may still work. */
const REFUSED = new Set([401, 403, 404, 410]);

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function runFirmware(ctx: TaskContext): Promise<TaskOutcome> {
  if (!ctx.installer) return { status: 3, counts: false, detail: 'no firmware installer is configured' };
  let desc: FirmwareDescriptor;
  try {
    desc = firmwareDescriptor.parse(JSON.parse(ctx.param));
  } catch {
    return { status: 2, counts: false, detail: 'the task param is not a firmware descriptor' };
  }
  const dir = ctx.settings.downloadDir;
  const path = firmwarePartPath(dir, ctx.taskid);
  let keep = false;
  try {
    // Tells the platform the task is under way, and refuses (490_07) one it has closed.
    const answer = await ctx.http.call('T_UPDATE_DEVICE_VERSION', { taskid: ctx.taskid });
    const echoed = firmwareDescriptor.safeParse(answer.response);
    const urls = [desc.downloadUrl];
    if (echoed.success && echoed.data.downloadUrl !== desc.downloadUrl) urls.push(echoed.data.downloadUrl);

    await mkdir(dir, { recursive: true });
    // Room for this image first; an older task offered again downloads from the start.
    if (ctx.settings.sweepFirmwareParts) await sweepFirmwareParts(dir, ctx.taskid);
    // Two rounds: a file that fails its check is fetched once more from nothing (a
    // resumed range may have joined the halves of two different files).
    for (let round = 0; round < 2; round++) {
      await downloadFrom(urls, path, desc.size, ctx);
      const check = await verifyFirmwareFile(path, desc);
      if (check.ok) {
        const sha256 = desc.sha256 ?? (await sha256File(path));
        await ctx.installer({ version: desc.version, path, size: desc.size, sha256 });
        return { status: 1, counts: false };
      }
      await rm(path, { force: true });
      if (round === 1) {
        return {
          status: 2,
          counts: false,
          detail: `firmware ${check.reason} does not match (got ${check.actual})`,
        };
      }
    }
    return { status: 2, counts: false };
  } catch (e) {
    // A network failure keeps the partial file for the next offer to resume; a task
    // refused or closed (490_07) is never resumed.
    keep = (e instanceof DownloadError || e instanceof TaskHttpError) && e.transient;
    throw e;
  } finally {
    if (!keep) await rm(path, { force: true });
  }
}

async function downloadFrom(urls: string[], path: string, size: number, ctx: TaskContext): Promise<void> {
  for (const [i, url] of urls.entries()) {
    try {
      return await downloadToFile(url, path, size, ctx.settings.download);
    } catch (e) {
      const refused = e instanceof DownloadError && e.status !== undefined && REFUSED.has(e.status);
      if (!refused || i === urls.length - 1) throw e;
    }
  }
}
