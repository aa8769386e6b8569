/**
 * The fuzz pass (`--fuzz N`): N random and mutated inputs on the TCP interface, each of
 * which the platform must answer with success, with an error code the catalogue documents
 * (clause 1.3 and kaoqin's 490_xx), or by closing the connection; never with silence, an
 * answer that does not decode, or a code nobody documented. After the last input the
 * platform must still answer a plain C_AUTH (it did not crash).
 *
 * The inputs are drawn from a seed, input by input (input i depends only on the seed and
 * i, not on what the platform answered before): random bytes framed with a correct
 * length, random protobuf fields, C_AUTH / C_HEARTBEAT / C_SIGN_IN frames signed as a
 * device signs them but with one mutation (a field emptied or replaced by odd text, param
 * replaced by odd JSON, bits flipped, bytes cut or inserted in the encoded message), and
 * framing abuse (zero-length frames, a frame sent in pieces, a varint or a frame cut short
 * and the connection half-closed, over-long varints, a 1 GiB length). Tokens and
 * timeStamps are the run's own, so the bytes of a run are not reproducible, its choices
 * are.
 *
 * An input that owes no answer (a zero-length frame) is followed on its connection by a
 * heartbeat (or a C_AUTH) whose answer must come, so silence is still caught. Inputs that
 * pass every check store what they carry: C_AUTH under a device number that starts with
 * the kit's `sn` registers that device, and a sign-in is a clock-in of a person named
 * `conformance-fuzz-…` (or of whatever personId the mutation wrote).
 *
 * The pieces: rand.ts (the seeded draws), odd-text.ts, json-text.ts, members.ts and
 * param.ts (text and params), requests.ts, mutated-bytes.ts, protobuf.ts and framing.ts
 * (the kinds of input), make-input.ts (input i), conn.ts and judge.ts (a connection and
 * what its answers are worth), tally.ts and fuzzer.ts (sending, counting), fuzz-platform.ts
 * (the pass) and fuzz-check.ts (the pass as a check); http-fuzz.ts is the HTTP interface's
 * pass (fuzz.http), on the same generators. generators.ts exports the generators as
 * `@kaoqin/conformance/fuzz`, for the platform's in-process parser fuzz script.
 */
export { fuzzCheck } from './fuzz-check.js';
export { fuzzPlatform } from './fuzz-platform.js';
export { fuzzHttp, type HttpFuzzResult, httpFuzzCheck } from './http-fuzz.js';
export { type FuzzFinding, type FuzzOptions, type FuzzResult, MAX_FINDINGS } from './types.js';
