/**
 * Bad input on every endpoint, walked from the OpenAPI document the platform serves (so
 * a new route is covered the day it is added): malformed JSON, wrong types, unknown
 * fields, oversized bodies, the wrong media type, bad cursors and limits, and injection
 * attempts in every text field, query parameter and path segment. Each must be a 4xx
 * problem document with a code from the catalogue, never a 500 (nor a hang).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CODES } from '../../src/api/problems.js';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

interface Operation {
  method: string;
  path: string;
  op: Json;
}

const INJECTIONS = [
  "'; DROP TABLE persons; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  `\${jndi:ldap://x}`,
  '../../../../etc/passwd',
  'a\u0000b',
  '{"$gt":""}',
  '𠀀'.repeat(300),
];

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>))
    for (const [method, op] of Object.entries(ops))
      if (path.startsWith('/api/v1/')) out.push({ method: method.toUpperCase(), path, op });
  return out;
}

const jsonSchemaOf = (op: Json): Json | undefined => op.requestBody?.content?.['application/json']?.schema;
const onlyJson = (op: Json) => {
  const types = Object.keys(op.requestBody?.content ?? {});
  return types.length === 1 && types[0] === 'application/json';
};
const isStream = (o: Operation) => o.path === '/api/v1/events';

/** A body shaped like the schema with `text` in every string that has no enum or format. */
function sample(schema: Json, text: string, depth = 0): unknown {
  if (!schema || depth > 4) return null;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf ?? schema.oneOf) return sample((schema.anyOf ?? schema.oneOf)[0], text, depth + 1);
  switch (schema.type) {
    case 'string':
      return schema.format ? '2026-12-04T08:00:00+08:00' : text;
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items, text, depth + 1)];
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Json>))
        o[k] = sample(v, text, depth + 1);
      return o;
    }
    default:
      return text;
  }
}

function urlOf(path: string, param: string): string {
  return path.replace(/\{[^}]+\}/g, encodeURIComponent(param));
}

describe.each(BACKENDS)('bad input on every endpoint ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let ops: Operation[];
  const failures: string[] = [];

  async function expectProblem(
    label: string,
    method: string,
    url: string,
    init: { raw?: string; headers?: Record<string, string> },
    expectStatus?: number,
  ) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 10_000);
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${p.api.token}`,
        ...(init.headers ?? {}),
      };
      const res = await fetch(p.api.base + url, {
        method,
        headers,
        signal: ctl.signal,
        ...(init.raw !== undefined ? { body: init.raw } : {}),
      });
      const text = await res.text();
      const problem = (res.headers.get('content-type') ?? '').includes('application/problem+json')
        ? JSON.parse(text)
        : undefined;
      if (res.status >= 500)
        failures.push(`${label}: ${method} ${url.slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`);
      else if (expectStatus !== undefined && res.status !== expectStatus)
        failures.push(
          `${label}: ${method} ${url.slice(0, 80)} → ${res.status}, expected ${expectStatus}: ${text.slice(0, 200)}`,
        );
      else if (
        res.status >= 400 &&
        !(problem && problem.code in PROBLEM_CODES && problem.status === res.status)
      )
        failures.push(`${label}: ${method} ${url.slice(0, 80)} → ${res.status} without a problem document`);
      return { status: res.status, problem };
    } catch (err) {
      failures.push(`${label}: ${method} ${url.slice(0, 80)} → ${(err as Error).name}`);
      return { status: 0, problem: undefined };
    } finally {
      clearTimeout(timer);
    }
  }

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    ops = operations((await p.api.call('GET', '/api/openapi.json', { token: null })).body).filter(
      (o) => !isStream(o) && !o.path.endsWith('/auth/logout'),
    );
  });
  afterAll(() => p.stop());

  it('answers malformed, mistyped, unknown-field, oversized and wrongly typed bodies with 4xx problems', async () => {
    for (const o of ops.filter((x) => jsonSchemaOf(x.op) && onlyJson(x.op))) {
      const url = urlOf(o.path, '0000000000000000000');
      const json = { 'content-type': 'application/json' };
      await expectProblem('malformed JSON', o.method, url, { raw: '{"a":', headers: json }, 400);
      await expectProblem('wrong type', o.method, url, { raw: '[1,2,3]', headers: json });
      await expectProblem(
        'media type',
        o.method,
        url,
        { raw: 'hello', headers: { 'content-type': 'text/plain' } },
        415,
      );
      await expectProblem(
        'oversized',
        o.method,
        url,
        { raw: JSON.stringify({ x: 'x'.repeat(1_100_000) }), headers: json },
        413,
      );
      const schema = jsonSchemaOf(o.op);
      if (schema.type === 'object' && schema.additionalProperties === false) {
        const body = { ...(sample(schema, 'text') as object), __unknownField: 1 };
        const r = await expectProblem('unknown field', o.method, url, {
          raw: JSON.stringify(body),
          headers: json,
        });
        if (r.status !== 400 && r.status !== 404)
          failures.push(`unknown field: ${o.method} ${o.path} → ${r.status}`);
        else if (r.status === 400 && !r.problem?.errors?.some((e: Json) => e.path === 'body.__unknownField'))
          failures.push(`unknown field not named: ${o.method} ${o.path} ${JSON.stringify(r.problem)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('never fails with a 500 on injection attempts in body text fields', async () => {
    for (const o of ops.filter((x) => jsonSchemaOf(x.op) && onlyJson(x.op))) {
      for (const text of INJECTIONS) {
        const body = JSON.stringify(sample(jsonSchemaOf(o.op), text));
        await expectProblem('body injection', o.method, urlOf(o.path, '0000000000000000000'), {
          raw: body,
          headers: { 'content-type': 'application/json' },
        });
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses bad cursors, limits and unknown query parameters on lists; never 500 on injected queries', async () => {
    for (const o of ops.filter((x) => x.method === 'GET')) {
      const url = urlOf(o.path, '0000000000000000000');
      const params = ((o.op.parameters ?? []) as Json[]).filter((q) => q.in === 'query');
      const names = new Set(params.map((q) => q.name as string));
      if (names.has('cursor')) {
        const r = await expectProblem('bad cursor', 'GET', `${url}?cursor=not-a-cursor`, {});
        if (r.status === 400 && !r.problem?.errors?.some((e: Json) => e.path === 'query.cursor'))
          failures.push(`bad cursor not named: ${o.path}`);
      }
      if (names.has('limit')) {
        await expectProblem('limit 0', 'GET', `${url}?limit=0`, {});
        await expectProblem('limit 501', 'GET', `${url}?limit=501`, {});
        await expectProblem('limit abc', 'GET', `${url}?limit=abc`, {});
      }
      await expectProblem('unknown query', 'GET', `${url}?__unknown=1`, {});
      for (const q of params)
        for (const text of INJECTIONS)
          await expectProblem('query injection', 'GET', `${url}?${q.name}=${encodeURIComponent(text)}`, {});
    }
    expect(failures).toEqual([]);
  });

  it('never fails with a 500 on injected path segments', async () => {
    for (const o of ops.filter((x) => x.path.includes('{')))
      for (const text of [...INJECTIONS, 'x'.repeat(5000)]) {
        const body = jsonSchemaOf(o.op) ? { raw: '{}', headers: { 'content-type': 'application/json' } } : {};
        await expectProblem('path injection', o.method, urlOf(o.path, text), body);
      }
    expect(failures).toEqual([]);
  });
});
