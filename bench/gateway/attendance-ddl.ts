/**
 * The attendance-shaped table the storage baselines write (db-baseline.ts, db-baseline-pg.ts
 * and the durable echo's thread, durable-thread.mjs): the platform's attendance columns,
 * unique key and indexes, in SQL that SQLite and PostgreSQL both take; and SQLite's INSERT
 * of all 19 columns.
 */
export const ATTENDANCE_DDL = `
  CREATE TABLE devices (id TEXT PRIMARY KEY, sn TEXT NOT NULL);
  CREATE TABLE attendance (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    vendor_id TEXT NOT NULL,
    sn TEXT NOT NULL,
    site_id TEXT,
    person_id TEXT NOT NULL,
    record_time BIGINT NOT NULL,
    type INTEGER NOT NULL,
    bit_type INTEGER,
    qr_code_info TEXT,
    photo_key TEXT,
    temperature DOUBLE PRECISION,
    iris_info TEXT,
    longitude DOUBLE PRECISION,
    latitude DOUBLE PRECISION,
    real_name INTEGER NOT NULL,
    flags TEXT NOT NULL DEFAULT '[]',
    received_at BIGINT NOT NULL,
    latency_ms BIGINT NOT NULL,
    CONSTRAINT attendance_record_key UNIQUE (device_id, person_id, record_time, type)
  );
  CREATE INDEX attendance_sn_record_time_idx ON attendance (sn, record_time);
  CREATE INDEX attendance_device_id_record_time_idx ON attendance (device_id, record_time);
`;

/** The 19 columns in ATTENDANCE_DDL's order; `OR IGNORE` keeps a repeat out, as the platform's ON CONFLICT DO NOTHING does. */
export const INSERT_ATTENDANCE = `INSERT OR IGNORE INTO attendance (id, device_id, vendor_id, sn, site_id, person_id,
  record_time, type, bit_type, qr_code_info, photo_key, temperature, iris_info, longitude, latitude, real_name,
  flags, received_at, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
