// The durable echo's write thread (durable-echo.ts): owns one SQLite file in WAL mode with
// synchronous=FULL, as the platform's embedded store opens it, and one append-only photo
// log. For each batch it is sent it appends the batch's photos to the log in one writev
// and fdatasyncs it (one flush), puts each photo's offset:length in its row's photo_key,
// then commits the rows in one transaction (one fsync), and answers with the batch's
// number. A failed photo write fails the batch before any row of it is written. Plain
// JavaScript: a worker thread does not take the harness's TypeScript loader.
import { fdatasyncSync, ftruncateSync, openSync, writevSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, photoFile, photoKeyColumn, ddl, insertSql } = workerData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.exec(ddl);
const addDevice = db.prepare('INSERT OR IGNORE INTO devices (id, sn) VALUES (?, ?)');
const insert = db.prepare(insertSql);
const commit = db.transaction((devices, rows) => {
  for (const [id, sn] of devices) addDevice.run(id, sn);
  for (const row of rows) insert.run(row);
});
const photoFd = openSync(photoFile, 'w+');
let photoEnd = 0;

/** Appends the photos at the log's end with one flush; returns nothing until they are durable. */
function appendPhotos(rows, photos) {
  if (photos.length === 0) return;
  const bufs = [];
  let at = photoEnd;
  for (const [i, bytes] of photos) {
    rows[i][photoKeyColumn] = `${at}:${bytes.byteLength}`;
    bufs.push(bytes);
    at += bytes.byteLength;
  }
  try {
    // libuv resumes short writes and splits past IOV_MAX (as blobs/segment-io.ts relies on);
    // what still comes back short failed.
    const written = writevSync(photoFd, bufs, photoEnd);
    if (written !== at - photoEnd) throw new Error(`short write: ${written} of ${at - photoEnd} bytes`);
    fdatasyncSync(photoFd);
  } catch (err) {
    // Nothing of this batch is acknowledged: the next one writes over its bytes.
    ftruncateSync(photoFd, photoEnd);
    throw err;
  }
  photoEnd = at;
}

parentPort.on('message', ({ batch, devices, rows, photos }) => {
  try {
    appendPhotos(rows, photos);
    commit(devices, rows);
    parentPort.postMessage({ batch, ok: true });
  } catch (err) {
    parentPort.postMessage({ batch, ok: false, error: String(err?.message ?? err) });
  }
});
