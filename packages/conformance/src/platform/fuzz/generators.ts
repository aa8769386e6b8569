/**
 * The fuzz pass's input generators, exported as `@kaoqin/conformance/fuzz` for the
 * platform's parser fuzz script (packages/platform/scripts/fuzz-parsers), which feeds the
 * same kinds of input to the platform's parsers in process: one copy of the seeded draws,
 * the odd text and JSON, the params, the protobuf-shaped bytes and the byte mutations.
 */
export { concat, mutate, unframe, varint } from './bytes.js';
export { jsonText, keyText } from './json-text.js';
export { imgValue, type Member, objectText, signInMembers } from './members.js';
export { text } from './odd-text.js';
export { mutatedParam } from './param.js';
export { protobufBytes } from './protobuf.js';
export { bytePool, mix, Rand } from './rand.js';
