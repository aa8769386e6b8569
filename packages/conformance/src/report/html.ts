/**
 * The report as one self-contained HTML page a vendor can hand to a customer: no external
 * resources and no script, so it opens offline, survives being mailed and prints. Labels
 * are Chinese first, then English. Every string that comes from the report is escaped:
 * reasons and decoded text carry what a platform under test sent, which nobody vouches for.
 */
import { EVIDENCE_BYTES, type Exchange, type Verdict } from '../check.js';
import type { Report } from '../run.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a quoted attribute value. */
function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const VERDICT: Record<Verdict, string> = {
  pass: '通过 pass',
  fail: '未通过 fail',
  'not-run': '未运行 not run',
};

const KIND: Record<Exchange['kind'], string> = {
  sent: '发送 sent',
  received: '接收 received',
  closed: '连接关闭 closed',
  timeout: '超时 timeout',
  note: '备注 note',
};

// Screen first; print keeps the verdict colours (they come with text anyway) and avoids
// cutting a row or an exchange across pages. The last rule prints closed evidence too,
// where the browser lets a page style ::details-content (it is alone so that a browser
// that does not know the selector drops only it).
const CSS = `
body{font:14px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1f2328;max-width:72rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.sub{color:#59636e;margin:0 0 1rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
dl.meta dt{color:#59636e}dl.meta dd{margin:0}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d1d9e0;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0;background:#f6f8fa;padding:.35rem .5rem;border-radius:4px}
.v{display:inline-block;padding:0 .45rem;border-radius:3px;font-weight:600;white-space:nowrap}
.v-pass{background:#dafbe1;color:#116329}.v-fail{background:#ffebe9;color:#a40e26}.v-not-run{background:#fff8c5;color:#7d4e00}
.overall{font-size:1.25rem;padding:.2rem .75rem}
.summary td:last-child,.summary th:last-child{text-align:right}.summary{width:auto}
details{border:1px solid #d1d9e0;border-radius:4px;margin:.5rem 0;padding:.35rem .6rem}
summary{cursor:pointer}
ol.ex{padding-left:1.5rem}ol.ex li{margin:.5rem 0}
.ex-head{color:#59636e}
footer{margin-top:2rem;color:#59636e;font-size:12px}
@media print{
body{margin:0;max-width:none;font-size:11px}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}
tr,ol.ex li,details{break-inside:avoid}
a{color:inherit;text-decoration:none}
}
@media print{details::details-content{content-visibility:visible;display:block}}
`;

// Numeric collation puts clause 1.10 after 1.9, as the standard does.
const byClause = new Intl.Collator('en', { numeric: true }).compare;

const verdict = (v: Verdict, cls = '') =>
  `<span class="v v-${v}${cls ? ` ${cls}` : ''}">${VERDICT[v]}</span>`;

/** An anchor id for a check's evidence (check ids are dotted words, but escape anyway). */
const evidenceId = (checkId: string) => `evidence-${escapeHtml(checkId)}`;

function exchangeItem(e: Exchange): string {
  const head = [`+${escapeHtml(e.at)} ms`, KIND[e.kind]];
  if (e.bytes !== undefined) head.push(`${escapeHtml(e.bytes)} 字节 bytes`);
  const parts = [`<div class="ex-head">${head.join(' · ')}</div>`];
  if (e.text) parts.push(`<pre>${escapeHtml(e.text)}</pre>`);
  if (e.hex !== undefined) {
    // The kit keeps at most EVIDENCE_BYTES of a frame; say so when it cut one.
    const cut = (e.bytes ?? 0) * 2 > e.hex.length ? '…' : '';
    parts.push(`<pre class="hex">${escapeHtml(e.hex)}${cut}</pre>`);
  }
  return `<li>${parts.join('')}</li>`;
}

export function htmlReport(report: Report): string {
  const { standard, summary: s } = report;
  const passed = s.fail === 0;
  const results = report.results.toSorted((a, b) => byClause(a.clause, b.clause));

  // One tbody per clause, the clause's cells spanning its checks.
  const groups = new Map<string, Report['results']>();
  for (const r of results) groups.set(r.clause, [...(groups.get(r.clause) ?? []), r]);
  const tbodies = [...groups].map(([id, rows]) => {
    const trs = rows.map((r, i) => {
      const clauseCells =
        i === 0
          ? `<td rowspan="${rows.length}">${escapeHtml(id)}</td><td rowspan="${rows.length}">${escapeHtml(r.clauseTitle)}</td>`
          : '';
      const link = r.verdict === 'pass' ? '' : ` <a href="#${evidenceId(r.id)}">证据 evidence</a>`;
      return (
        `<tr>${clauseCells}<td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(r.title)}</td>` +
        `<td>${verdict(r.verdict)}</td><td>${escapeHtml(r.reason ?? '')}${link}</td></tr>`
      );
    });
    return `<tbody>${trs.join('\n')}</tbody>`;
  });

  const evidence = results
    .filter((r) => r.verdict !== 'pass')
    .map(
      (r) =>
        `<details id="${evidenceId(r.id)}"><summary>${verdict(r.verdict)} <code>${escapeHtml(r.id)}</code> ` +
        `（条款 clause ${escapeHtml(r.clause)} ${escapeHtml(r.clauseTitle)}）：${escapeHtml(r.reason ?? '')}</summary>` +
        (r.exchanges.length
          ? `<ol class="ex">${r.exchanges.map(exchangeItem).join('\n')}</ol>`
          : '<p>无收发记录 Nothing was sent or received.</p>') +
        '</details>',
    );

  const name = `${escapeHtml(standard.name)} · ${escapeHtml(standard.part)}`;
  const target = Object.entries(report.target)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`)
    .join('');
  const overall = passed ? verdict('pass', 'overall') : verdict('fail', 'overall');
  // "Passed" with checks not run is still a pass, but the reader should not take it for a full one.
  const overallNote = passed && s.notRun > 0 ? ` ${s.notRun} 项未运行 ${s.notRun} not run` : '';

  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>一致性测试报告 Conformance report · ${name}</title>
<style>${CSS}</style>
</head>
<body>
<h1>一致性测试报告 Conformance report</h1>
<p class="sub">${name}</p>
<h2>被测对象 Target</h2>
<dl class="meta">${target}
<dt>开始 Started</dt><dd><time datetime="${escapeHtml(report.startedAt)}">${escapeHtml(report.startedAt)}</time></dd>
<dt>结束 Finished</dt><dd><time datetime="${escapeHtml(report.finishedAt)}">${escapeHtml(report.finishedAt)}</time></dd>
</dl>
<h2>结论 Summary</h2>
<p class="verdict">总体结论 Overall: ${overall}${escapeHtml(overallNote)}</p>
<table class="summary">
<tr><th>检查总数 Checks</th><td>${escapeHtml(s.total)}</td></tr>
<tr><th>通过 Passed</th><td>${escapeHtml(s.pass)}</td></tr>
<tr><th>未通过 Failed</th><td>${escapeHtml(s.fail)}</td></tr>
<tr><th>未运行 Not run</th><td>${escapeHtml(s.notRun)}</td></tr>
</table>
<h2>检查结果 Results</h2>
<table class="results">
<thead><tr><th>条款 Clause</th><th>条款名称 Clause title</th><th>检查 Check</th><th>检查内容 What passing means</th><th>结论 Verdict</th><th>原因 Reason</th></tr></thead>
${tbodies.join('\n')}
</table>
${evidence.length ? `<h2>证据 Evidence</h2>\n<p>未通过与未运行的检查所收发的数据（十六进制，每帧至多 ${EVIDENCE_BYTES} 字节）。What the kit sent and received in each check that failed or was not run (hex, at most ${EVIDENCE_BYTES} bytes a frame).</p>\n${evidence.join('\n')}` : ''}
<footer>${escapeHtml(report.schema)} · ${escapeHtml(report.mode)}</footer>
</body>
</html>
`;
}
