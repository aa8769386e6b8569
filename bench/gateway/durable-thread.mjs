// The durable echo's write thread (durable-echo.ts): owns one SQLite file in WAL mode with
// synchronous=FULL, as the platform's embedded store opens it, and commits each batch it
// is sent in one transaction (one fsync), then answers with the batch's number. Plain
// JavaScript: a worker thread does not take the harness's TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, ddl, insertSql } = workerData;
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

parentPort.on('message', ({ batch, devices, rows }) => {
  try {
    commit(devices, rows);
    parentPort.postMessage({ batch, ok: true });
  } catch (err) {
    parentPort.postMessage({ batch, ok: false, error: String(err?.message ?? err) });
  }
});
