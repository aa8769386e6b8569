/**
 * Enrolment by a capture device (X_ENROL_PERSON, docs/protocol.md 4.13; 技术要求 1.1(9)):
 * what the device read off the ID card and captured goes through Persons.enrol, the
 * enrolment every entry point uses, so the same rules refuse the same card or photo; the
 * person is then assigned to the device's site.
 *
 * - Only a device of kind `capture` that is bound to a site may enrol (490_10): an
 *   attendance terminal that was stolen or misconfigured must not add people, and the
 *   site is the binding's, never the device's word.
 * - Idempotent by ID number: a retry (or a second capture of someone already enrolled)
 *   finds the identity and assigns it, creating no second person; an assignment that
 *   exists already is kept. The answer says which it was. The capture is still checked
 *   against every rule first, and nothing of it replaces what the person has.
 * - A refusal lists every failed rule with its measured value (490_09), under the wire's
 *   field names (face, cardPhoto …) rather than the API's.
 */
import {
  EnrolmentRefusedError,
  type EnrolmentVerdict,
  type EnrolPersonParam,
  type EnrolPersonResponse,
  ERRORS,
  type IrisEye,
  ProtocolError,
} from '@kaoqin/protocol';
import { IrisBusyError, type IrisService, irisField } from '../../iris/index.js';
import type { RequestDevice } from '../../requests/ports.js';
import type { PersonRow } from '../../store/index.js';
import { birthDateOf, EnrolmentError, type NewIdentity } from '../../tasks/persons.js';

/** What the capture enrolment needs of the platform (Persons and the store satisfy it). */
export interface CaptureDeps {
  /** The device's kind and binding as stored now (the request's copy may be a cache's). */
  device(deviceId: string): Promise<{ kind: string; siteId: string | null } | undefined>;
  persons: {
    enrol(input: NewIdentity): Promise<PersonRow>;
    active(personId: string): Promise<PersonRow>;
    assignments: { assign(person: PersonRow, input: { siteId: string }): Promise<unknown> };
  };
  /** Every enrolment rule's verdict, storing nothing (the one check service), where there is one. */
  checkOnly?: ((input: NewIdentity) => Promise<EnrolmentVerdict[]>) | undefined;
  /** Iris images (§1.1(5)): checked before and stored after the enrolment; absent: not kept. */
  iris?: IrisIntake | undefined;
}

export interface IrisIntake {
  /**
   * Every iris rule's verdict on one image (field iris.left / iris.right), and `keep`,
   * which stores that image for a person without checking it again.
   */
  check(bmp: Uint8Array, eye: IrisEye): Promise<CheckedIris>;
}

export interface CheckedIris {
  verdicts: EnrolmentVerdict[];
  /** Whether the image was kept (it passed its check, so it should be). */
  keep(personId: string): Promise<boolean>;
}

/**
 * The face pool's full queue (@kaoqin/faces' FacePoolBusyError, known by name: the
 * platform loads that package lazily) is the platform's trouble, not the capture's:
 * 490_08, which a device retries with back-off, rather than 500_01.
 */
function busyAsRetry(e: unknown): never {
  if (e instanceof Error && e.name === 'FacePoolBusyError')
    throw new ProtocolError(ERRORS.BUSY, 'the face check is busy');
  throw e;
}

/** The iris service as the capture enrolment uses it; a full check pool is 490_08 (retry). */
export function irisIntake(iris: IrisService): IrisIntake {
  const busy = (e: unknown): never => {
    if (e instanceof IrisBusyError) throw new ProtocolError(ERRORS.BUSY, 'the iris check is busy');
    throw e;
  };
  return {
    check: (bmp, eye) =>
      iris.check(bmp, irisField(eye)).then(
        (r) => ({
          verdicts: r.verdicts,
          keep: (personId: string) => iris.store(personId, eye, bmp, r.job).then((s) => s.stored),
        }),
        busy,
      ),
  };
}

/** What the one check service takes and gives (Persons.check), as far as the capture enrolment reads it. */
interface CheckService {
  check(input: {
    card: Omit<NewIdentity, 'name' | 'photos' | 'idCardPhoto' | 'idCardFront' | 'idCardBack'>;
    photos: Uint8Array[];
    idCardPhoto?: Uint8Array;
    idCardFront?: Uint8Array;
    idCardBack?: Uint8Array;
  }): Promise<{ refusals: EnrolmentVerdict[] }>;
}

/** checkOnly over the one check service: every refusing verdict, nothing stored. */
export function checkOnlyOf(service: CheckService): NonNullable<CaptureDeps['checkOnly']> {
  return async ({ name: _n, photos, idCardPhoto, idCardFront, idCardBack, ...card }) => {
    const images = {
      ...(idCardPhoto ? { idCardPhoto } : {}),
      ...(idCardFront ? { idCardFront } : {}),
      ...(idCardBack ? { idCardBack } : {}),
    };
    return (await service.check({ card, photos, ...images })).refusals;
  };
}

/** The API's field names in a verdict, as the device sent them (param members). */
const WIRE_FIELDS: Record<string, string> = {
  'photos.0': 'face',
  photos: 'face',
  idCardPhoto: 'cardPhoto',
  idCardFront: 'cardFront',
  idCardBack: 'cardBack',
  issuingAuthority: 'issuer',
};

const wireField = (field: string): string => WIRE_FIELDS[field] ?? field;

/** Card readers give dates as yyyyMMdd; the enrolment takes yyyy-MM-dd (长期 as it is). */
function isoDay(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : v;
}

const bytesOf = (b64: string): Uint8Array => Buffer.from(b64, 'base64');

/** The refusal's rules, each with what it measured (the ID card check's and the photo rules'). */
export function verdictsOf(e: EnrolmentError): EnrolmentVerdict[] {
  const problems = e.problems ?? [{ code: e.code, field: e.field ?? 'param', message: e.message }];
  return problems.map((p) => ({
    code: p.code,
    ok: false,
    field: wireField(p.field),
    value: (p as { value?: string }).value ?? '',
    message: p.message,
  }));
}

/** 出生 as read off the card must be the birth date the ID number carries. */
function birthVerdict(param: EnrolPersonParam): EnrolmentVerdict | undefined {
  if (param.birth === undefined) return undefined;
  const birth = isoDay(param.birth);
  const carried = birthDateOf(param.idNumber.trim().toUpperCase());
  if (carried === null || birth === carried) return undefined; // a bad number is the ID rules' to report
  return {
    code: 'birth_mismatch',
    ok: false,
    field: 'birth',
    value: `birth ${param.birth}, ID number says ${carried}`,
    message: `the card's birth date ${param.birth} is not the one its ID number carries (${carried})`,
  };
}

export class CaptureEnrolment {
  readonly #deps: CaptureDeps;

  constructor(deps: CaptureDeps) {
    this.#deps = deps;
  }

  enrol(device: RequestDevice, param: EnrolPersonParam): Promise<EnrolPersonResponse> {
    return this.#enrol(device, param).catch(busyAsRetry);
  }

  async #enrol(device: RequestDevice, param: EnrolPersonParam): Promise<EnrolPersonResponse> {
    const siteId = await this.#siteOf(device);
    const iris = await this.#checkIris(param);
    const before = [birthVerdict(param), ...iris.flatMap((i) => i.verdicts)].filter(
      (v): v is EnrolmentVerdict => v !== undefined && !v.ok,
    );
    let person: PersonRow;
    let identity: EnrolPersonResponse['identity'] = 'new';
    try {
      // This call's own rules failed: refused before anything is stored, with the
      // enrolment's rules too where a check that stores nothing is at hand.
      if (before.length > 0) throw new EnrolmentRefusedError([...before, ...(await this.#checkOnly(param))]);
      person = await this.#deps.persons.enrol(identityOf(param));
    } catch (e) {
      if (!(e instanceof EnrolmentError)) throw e; // EnrolmentRefusedError included
      if (e.code !== 'duplicate_id_number' || e.existingId === undefined)
        throw new EnrolmentRefusedError([...before, ...verdictsOf(e)]);
      // Enrolled already: the capture must still pass every rule (an expired card, a
      // photo of someone else are refused as for a new identity), though nothing of it
      // is stored on the existing person.
      const failed = await this.#checkOnly(param);
      if (failed.length > 0) throw new EnrolmentRefusedError(failed);
      person = await this.#deps.persons.active(e.existingId);
      identity = 'existing';
    }
    const assignment = await this.#assign(person, siteId);
    let irisStored = 0;
    if (identity === 'new') for (const i of iris) if (await i.keep(person.id)) irisStored++;
    return { personId: person.id, identity, assignment, irisStored, review: person.faceMatch.review };
  }

  /** 490_10 unless the device is a capture device bound to a site. */
  async #siteOf(device: RequestDevice): Promise<string> {
    const row = await this.#deps.device(device.id);
    if (row?.kind !== 'capture')
      throw new ProtocolError(
        ERRORS.NOT_CAPTURE_DEVICE,
        `device ${device.sn} is of kind ${row?.kind ?? 'unknown'}: only kind capture may enrol`,
      );
    if (row.siteId === null)
      throw new ProtocolError(ERRORS.NOT_CAPTURE_DEVICE, `device ${device.sn} is bound to no site`);
    return row.siteId;
  }

  /** Each iris image checked once, before the enrolment; kept after it by `keep`. */
  async #checkIris(param: EnrolPersonParam): Promise<CheckedIris[]> {
    const intake = this.#deps.iris;
    if (!intake) return [];
    const out: CheckedIris[] = [];
    for (const i of param.iris ?? []) out.push(await intake.check(bytesOf(i.img), i.eye));
    return out;
  }

  async #checkOnly(param: EnrolPersonParam): Promise<EnrolmentVerdict[]> {
    const failed = (await this.#deps.checkOnly?.(identityOf(param))) ?? [];
    return failed.filter((v) => !v.ok).map((v) => ({ ...v, field: wireField(v.field) }));
  }

  /** Assigns the person to the site; an active assignment there already is kept. */
  async #assign(person: PersonRow, siteId: string): Promise<EnrolPersonResponse['assignment']> {
    try {
      await this.#deps.persons.assignments.assign(person, { siteId });
      return 'new';
    } catch (e) {
      if (e instanceof EnrolmentError && e.code === 'already_assigned') return 'existing';
      if (e instanceof EnrolmentError && e.code === 'site_not_found')
        throw new ProtocolError(ERRORS.NOT_CAPTURE_DEVICE, `the device's site ${siteId} does not exist`);
      throw e;
    }
  }
}

/** The enrolment input of what the device read: the card fields under the API's names. */
function identityOf(p: EnrolPersonParam): NewIdentity {
  const optional = {
    gender: p.gender,
    ethnicity: p.ethnicity,
    address: p.address,
    issuingAuthority: p.issuer,
    validFrom: isoDay(p.validFrom),
    validTo: isoDay(p.validTo),
  };
  const fields = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return {
    name: p.name,
    idNumber: p.idNumber,
    ...fields,
    photos: [bytesOf(p.face.img)],
    ...(p.cardPhoto ? { idCardPhoto: bytesOf(p.cardPhoto.img) } : {}),
    ...(p.cardFront ? { idCardFront: bytesOf(p.cardFront.img) } : {}),
    ...(p.cardBack ? { idCardBack: bytesOf(p.cardBack.img) } : {}),
  };
}
