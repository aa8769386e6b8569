/**
 * GET /metrics (issue 16): Prometheus text with the platform's own series, fed by what
 * devices actually did, and Node's process metrics (event-loop delay among them).
 */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform;
beforeAll(async () => {
  tp = await startTestPlatform({ 'node-id': '7' });
});
afterAll(() => tp.stop());

async function scrape(): Promise<{ type: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${tp.platform.httpPort}/metrics`);
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one series, its labels given in any order; undefined when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('counts answers by transport, apicode and code, and reads connections, batches and tasks', async () => {
    const d = await TestDevice.tcp(tp.platform.tcpPort, 'METRICS-1', tp.creds, () => tp.clock.now);
    expect((await d.auth()).success).toBe(true);
    for (let i = 0; i < 3; i++) expect((await d.heartbeat()).success).toBe(true);
    const signIn = await d.signIn({
      personId: '4508004291609636864',
      type: 1,
      recordTime: String(tp.clock.now - 1000),
    });
    expect(signIn.success).toBe(true);
    d.token = '0'.repeat(32); // a token nobody issued: 401_01
    expect((await d.heartbeat()).error?.errorcode).toBe('401_01');

    const { type, text } = await scrape();
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const tcp = (apicode: string, code: string) =>
      value(text, 'kaoqin_device_requests_total', { transport: 'tcp', apicode, code, node: '7' });
    expect(tcp('C_AUTH', 'ok')).toBe(1);
    expect(tcp('C_HEARTBEAT', 'ok')).toBe(3);
    expect(tcp('C_SIGN_IN', 'ok')).toBe(1);
    expect(tcp('C_HEARTBEAT', '401_01')).toBe(1);
    expect(value(text, 'kaoqin_gateway_connections', { node: '7' })).toBe(1);
    expect(value(text, 'kaoqin_ingest_batch_records_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'kaoqin_ingest_batch_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'kaoqin_ingest_queued_records')).toBe(0);
    for (const state of ['queued', 'offered', 'fetched'])
      expect(value(text, 'kaoqin_tasks_open', { state }), state).toBeTypeOf('number');
    expect(value(text, 'kaoqin_devices_online')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'kaoqin_gateway_connections_refused_total')).toBe(0);
    expect(value(text, 'nodejs_eventloop_lag_p99_seconds')).toBeTypeOf('number');
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    d.close();
  });

  it('counts HTTP device requests apart, and a request precheck refuses without an apicode', async () => {
    const res = await fetch(`http://127.0.0.1:${tp.platform.httpPort}/api/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'v1.0.0' }),
    });
    await res.text();
    const { text } = await scrape();
    const http = [...text.matchAll(/^kaoqin_device_requests_total\{([^}]*transport="http"[^}]*)\} (\S+)$/gm)];
    expect(http.length).toBeGreaterThan(0);
    // Labels come from the catalogue and the known apicodes only: never the request's own text.
    for (const [, labels] of http) expect(labels).toMatch(/apicode="(unknown|[A-Z_]+)"/);
  });
});
