/**
 * The shared photo vectors (@kaoqin/protocol/photo) through the platform's enrolment:
 * a photo the check accepts (fully decoded) enrols the person; any other is refused with
 * the check's problem as the enrolment code, naming the photo.
 */
import { loadPhotoVectors, photoVectorBytes } from '@kaoqin/protocol/photo';
import { idNumber as validId } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrolmentError } from '../../src/tasks/persons.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const { cases } = loadPhotoVectors();

/** A valid ID number (GB 11643), unique in the test process. */
const idNumber = () => validId();

describe('photo vectors through enrolment', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t.stop());

  it.each(cases)('$name ($file)', async (v) => {
    const enrol = t.platform.data.persons.enrol({
      name: '照片',
      idNumber: idNumber(),
      photos: [photoVectorBytes(v)],
    });
    if (v.decode.ok) {
      expect((await enrol).photoKeys).toHaveLength(1);
      return;
    }
    const e = await enrol.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(EnrolmentError);
    expect(e).toMatchObject({ code: v.decode.reason, field: 'photos.0' });
  });
});
