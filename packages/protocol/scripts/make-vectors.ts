/**
 * Writes the protocol test vectors (vectors/*.json): data shared by the platform, the
 * device SDK and the conformance kit. Run `npm run vectors -w @kaoqin/protocol`;
 * `npm run vectors:check` regenerates and fails when a committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureVectors } from './vectors/capture.js';
import { envelopeVector } from './vectors/envelope.js';
import { errorVectors } from './vectors/errors.js';
import { V } from './vectors/fixtures.js';
import { framingVectors } from './vectors/framing.js';
import { answerVectors, requestVectors } from './vectors/signatures.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

function write(name: string, data: unknown): void {
  writeFileSync(join(dir, name), `${JSON.stringify(data, null, 2)}\n`);
}

const fixtures = { ...V, accessSecret: V.accessSecret };
write('framing.json', {
  about: 'D1 framing: varint length + protobuf; hex streams cut into reads',
  cases: framingVectors(),
});
write('requests.json', {
  about:
    'A signed request per apicode and every image-stripping variant (D4, D5); check with nowMs and accessSecret',
  fixtures,
  cases: requestVectors(),
});
write('answers.json', {
  about:
    'A platform answer per apicode: TCP as PlatformResponse frames, HTTP as exact bodies with their signature',
  fixtures,
  cases: answerVectors(),
});
write('errors.json', {
  about: 'One input per error code and the code it must produce (D8 order)',
  ...errorVectors(),
});
write('envelope.json', envelopeVector(join(dir, 'envelope.json')));
write('capture.json', {
  about:
    'X_ENROL_PERSON (kaoqin extension, docs/protocol.md 4.13): signed requests with every img left out, and its answers',
  fixtures,
  ...captureVectors(),
});
