/**
 * Exact JSON text, as signatures need it (D4, D5): the param text with its image
 * members taken out, and the raw text of a member as it stands in an HTTP body.
 * jsonc-parser gives the byte offsets of every node, so we never re-serialise what a
 * device signed.
 */
import { type Node, type ParseError, parseTree } from 'jsonc-parser';

const STRICT = { disallowComments: true, allowTrailingComma: false } as const;

/** The key the standard leaves out of signatures: C_SIGN_IN's img and each img of 3.8's data. */
export const IMAGE_KEY = 'img';

/**
 * The deepest JSON a request may hold (arrays and objects within each other). The
 * standard's deepest param is 3.2's `{task:[{failedPersons:[{…}]}]}`, four levels; an HTTP
 * body adds one. Deeper text is refused (400_02) before anything walks it recursively:
 * jsonc-parser's tree, JSON.stringify and the image stripping all recurse, and a few
 * thousand levels overflow the stack (found by the conformance kit's fuzz pass).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON text nests deeper than `max` levels anywhere in it. The text, not the
 * parsed value, because JSON.parse keeps only the last of two equal keys: a deep first
 * `img` followed by a shallow one parses shallow, yet the image stripping and
 * jsonc-parser's tree still walk the deep one (found by the fuzz script). Strings are
 * skipped with indexOf, so a 70 KB photo costs a few native searches, not a loop over it.
 * Unbalanced or invalid text is measured as far as it goes; validity is JSON.parse's job.
 */
export function textNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The string's end: the next quote not escaped by an odd run of backslashes.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end < 0) return false;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function parseStrict(text: string): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, STRICT);
  return errors.length === 0 ? root : undefined;
}

/**
 * V8's native parser is far faster than a scan in JavaScript: the cheap validity check.
 * Text nested deeper than MAX_JSON_DEPTH counts as not JSON: nothing here walks it.
 */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return !textNestedDeeperThan(text, MAX_JSON_DEPTH);
  } catch {
    return false;
  }
}

function collectImageProperties(node: Node, out: Node[]): void {
  for (const child of node.children ?? []) {
    if (child.type === 'property' && child.children?.[0]?.value === IMAGE_KEY) {
      out.push(child);
      continue; // whatever is inside an image member goes with it
    }
    collectImageProperties(child, out);
  }
}

/**
 * The canonical signed text (D4): param text with every "img" member and one adjacent
 * comma removed: the comma after it and the whitespace up to the next member, or, for
 * the last member, the comma and whitespace before it. Every other byte stays as sent,
 * so a pretty-printed param strips to the same text as pretty-printing it without img.
 * Text that is not valid JSON comes back as is; `knownJson` skips that check for a
 * caller that has just parsed the text.
 */
export function stripImageMembers(text: string, knownJson = false): string {
  const escaped = text.includes('\\u'); // a key might be spelled with escapes
  if (!escaped && !text.includes(`"${IMAGE_KEY}"`)) return text;
  if (!knownJson && !isJson(text)) return text;
  const fast = escaped ? undefined : stripPlainImageMembers(text);
  if (fast !== undefined) return fast;
  // The tree walk recurses: a caller's knownJson says valid, not shallow (MAX_JSON_DEPTH).
  if (knownJson && !isJson(text)) return text;
  const root = parseStrict(text);
  if (!root) return text;
  const props: Node[] = [];
  collectImageProperties(root, props);
  if (props.length === 0) return text;
  const spans: [number, number][] = props.map((prop) => {
    const siblings = prop.parent?.children ?? [prop];
    const i = siblings.indexOf(prop);
    const next = siblings[i + 1];
    // Up to the next member: the comma and the whitespace after it go with the image.
    if (next) return [prop.offset, next.offset];
    const prev = siblings[i - 1];
    // Last member: from the end of the one before, so its comma goes too.
    if (prev) return [prev.offset + prev.length, prop.offset + prop.length];
    return [prop.offset, prop.offset + prop.length];
  });
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [from, to] of spans) {
    if (from < at) continue; // overlapping removals only arise from duplicate keys
    out += text.slice(at, from);
    at = to;
  }
  return out + text.slice(at);
}

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';

/**
 * The same rule as the tree walk, for the common case where every image is a plain
 * base64 string: found with indexOf instead of scanning 70 KB of base64 a character at a
 * time. A quote preceded (after whitespace) by "{" or "," can never lie inside a JSON
 * string, so each match is a real key; anything less plain (escapes, a non-string value,
 * unexpected punctuation) returns undefined and the caller walks the tree instead.
 * Callers pass valid JSON text without \\u escapes only.
 */
function stripPlainImageMembers(text: string): string | undefined {
  let out = '';
  let at = 0;
  let from = 0;
  for (;;) {
    const key = text.indexOf(`"${IMAGE_KEY}"`, from);
    if (key < 0) return out + text.slice(at);
    let b = key - 1;
    while (isWs(text[b])) b--;
    const before = text[b];
    if (before !== '{' && before !== ',') return undefined;
    let i = key + IMAGE_KEY.length + 2;
    while (isWs(text[i])) i++;
    if (text[i] !== ':') return undefined;
    i++;
    while (isWs(text[i])) i++;
    if (text[i] !== '"') return undefined;
    const close = text.indexOf('"', i + 1);
    if (close < 0) return undefined;
    const slash = text.indexOf('\\', i + 1);
    if (slash >= 0 && slash < close) return undefined;
    const end = close + 1;
    let j = end;
    while (isWs(text[j])) j++;
    let span: [number, number];
    if (text[j] === ',') {
      j++;
      while (isWs(text[j])) j++;
      span = [key, j];
    } else if (text[j] === '}') {
      if (before === ',') {
        let p = b - 1;
        while (isWs(text[p])) p--;
        span = [p + 1, end];
      } else span = [key, end];
    } else return undefined;
    if (span[0] < at) return undefined;
    out += text.slice(at, span[0]);
    at = span[1];
    from = end;
  }
}

/** Deep copy of a parsed JSON value without image members, key order kept. */
export function withoutImages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutImages);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k !== IMAGE_KEY) out[k] = withoutImages(v);
    }
    return out;
  }
  return value;
}

/** The accepted variant of D4: compact JSON of the parsed value with image members deleted. */
export function compactWithoutImages(value: unknown): string {
  return JSON.stringify(withoutImages(value));
}

/**
 * The exact text of a top-level member's value in a JSON object text (D5: an object
 * param is signed as it stands in the body). Undefined when absent or the text is invalid.
 */
export function rawMemberText(jsonText: string, key: string): string | undefined {
  const root = parseStrict(jsonText);
  if (root?.type !== 'object') return undefined;
  for (const prop of root.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k?.value === key && v) return jsonText.slice(v.offset, v.offset + v.length);
  }
  return undefined;
}
