/** The shape every refusal must have (tables 2.x.3 and clause 1.3): success false, error {errorcode, errormsg}. */
import { must } from '../check.js';
import type { WireAnswer } from './wire.js';

export function mustRefuse(a: WireAnswer, code: string, apicode: string): void {
  must(!a.success, `answered success where ${code} was due`);
  must(a.apicode === apicode, `the answer's apicode is "${a.apicode}", not ${apicode}`);
  const got = a.error?.errorcode;
  must(got === code, `errorcode ${JSON.stringify(got)} where the standard's ${code} was due`);
  must(typeof a.error?.errormsg === 'string', 'the error has no errormsg text');
}
