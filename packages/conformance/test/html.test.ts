/** The HTML report: self-contained, escaped, and true to the report it renders. */
import { type CheckResult, htmlReport, type Report } from '@kaoqin/conformance';
import { describe, expect, it } from 'vitest';

const FULL_HEX = '0a06435f41555448';
const CUT_HEX = 'ab'.repeat(512);

function result(
  id: string,
  clause: string,
  verdict: CheckResult['verdict'],
  more: Partial<CheckResult> = {},
): Report['results'][number] {
  return {
    id,
    clause,
    clauseTitle: `条款${clause}`,
    title: `title of ${id}`,
    verdict,
    ms: 1,
    exchanges: [],
    ...more,
  };
}

function report(results: Report['results']): Report {
  const count = (v: CheckResult['verdict']) => results.filter((r) => r.verdict === v).length;
  return {
    schema: 'kaoqin.conformance.report/1',
    mode: 'platform',
    standard: { name: '浙江省建筑工人实名制考勤设备技术标准', part: '实名制物联平台与设备对接规范' },
    target: { tcp: '127.0.0.1:9100', sn: `KQ "1" & 'x'`, port: 9100 },
    startedAt: '2026-12-06T11:50:00.000Z',
    finishedAt: '2026-12-06T11:50:01.000Z',
    summary: { total: results.length, pass: count('pass'), fail: count('fail'), notRun: count('not-run') },
    results,
  };
}

// Three passes, two failures, one not run: every count differs from the others.
const RESULTS: Report['results'] = [
  result('sign-in.accepted', '2.3', 'pass', {
    exchanges: [{ at: 0, kind: 'sent', hex: 'deadbeef', bytes: 4 }],
  }),
  result('auth.success', '2.1', 'pass'),
  result('auth.bad-sign', '1.5', 'fail', {
    reason: '<script>alert(1)</script>',
    exchanges: [
      { at: 0, kind: 'sent', hex: FULL_HEX, bytes: 8, text: 'C_AUTH {"sign":"fff"}' },
      { at: 2, kind: 'received', hex: CUT_HEX, bytes: 700, text: 'success=true' },
      { at: 5, kind: 'closed' },
    ],
  }),
  result('heartbeat.bad-sign', '1.5', 'fail', { reason: 'answered success where 400_04 was due' }),
  result('framing.split', '1.2', 'pass'),
  result('tasks.hook', '3.1', 'not-run', { reason: 'needs an operator hook' }),
];

const html = htmlReport(report(RESULTS));

/** The text of every <details> element, in order. */
const detailsOf = (doc: string) => [...doc.matchAll(/<details[\s\S]*?<\/details>/g)].map((m) => m[0]);
const overall = (doc: string) => /Overall: (.*)<\/p>/.exec(doc)?.[1] ?? '';
const count = (doc: string, label: string) => new RegExp(`${label}</th><td[^>]*>(\\d+)<`).exec(doc)?.[1];

describe('htmlReport', () => {
  it('is one self-contained HTML5 document', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/href="?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(|@import|<link/i);
  });

  it('escapes every string from the report', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('KQ &quot;1&quot; &amp; &#39;x&#39;');
    expect(html).toContain('C_AUTH {&quot;sign&quot;:&quot;fff&quot;}');
  });

  it('counts the verdicts and fails the whole when one check failed', () => {
    expect(count(html, '检查总数 Checks')).toBe('6');
    expect(count(html, '通过 Passed')).toBe('3');
    expect(count(html, '未通过 Failed')).toBe('2');
    expect(count(html, '未运行 Not run')).toBe('1');
    expect(overall(html)).toContain('未通过 fail');
  });

  it('passes the whole only when no check failed, and says what was not run', () => {
    const noFail = htmlReport(report(RESULTS.filter((r) => r.verdict !== 'fail')));
    expect(overall(noFail)).toContain('通过 pass');
    expect(overall(noFail)).not.toContain('未通过');
    expect(overall(noFail)).toContain('1 not run');
    const allPass = htmlReport(report(RESULTS.filter((r) => r.verdict === 'pass')));
    expect(overall(allPass)).not.toContain('not run');
    expect(detailsOf(allPass)).toEqual([]);
  });

  it('lists every check, by clause, with its verdict in words', () => {
    const table = html.slice(
      html.indexOf('<table class="results">'),
      html.indexOf('</table>', html.indexOf('<table class="results">')),
    );
    const order = RESULTS.map((r) => r.id).sort(
      (a, b) => table.indexOf(`<code>${a}</code>`) - table.indexOf(`<code>${b}</code>`),
    );
    for (const r of RESULTS) expect(table).toContain(`<code>${r.id}</code>`);
    // Clauses ascend (the report came in run order); within a clause, run order stays.
    expect(order).toEqual([
      'framing.split',
      'auth.bad-sign',
      'heartbeat.bad-sign',
      'auth.success',
      'sign-in.accepted',
      'tasks.hook',
    ]);
    expect(table).toMatch(/<code>tasks\.hook<\/code>.*未运行 not run/);
    expect(table).toMatch(/<code>auth\.success<\/code>.*通过 pass/);
  });

  it('puts a failure’s bytes in a collapsible evidence block, marking a cut frame', () => {
    const details = detailsOf(html);
    expect(details).toHaveLength(3); // two failures and the check not run
    const bad = details.find((d) => d.includes('<code>auth.bad-sign</code>'));
    expect(bad).toBeDefined();
    expect(bad).toContain(`${FULL_HEX}</pre>`); // whole: no mark
    expect(bad).toContain(`${CUT_HEX}…</pre>`); // 700 bytes, 512 kept
    expect(bad).toContain('700 字节 bytes');
    expect(bad).toMatch(/\+5 ms · 连接关闭 closed/);
    // A passing check's bytes are not shown.
    expect(html).not.toContain('deadbeef');
  });
});
