/**
 * The clock-ins of bench:attendance:sign-ins: a mix that looks like a site's day (issue
 * 12), so the clock-in rules do the work they do in production: half face with a
 * temperature (a few febrile, one in a hundred a misread sensor), mobile clock-ins inside
 * and outside the site's fence, with and without a face attested, person QR codes (each
 * one verified), health codes, and an ID card whose bitType lacks its type (a firmware
 * bug). The site's fence is the circle here; the bench's platform draws it.
 */

/** The bench site's fence: 300 m around this point. */
export const FENCE_CENTRE = { lat: 30.27415, lng: 120.15507 };
export const FENCE_RADIUS_M = 300;

/**
 * The param text of the device's sign-in number `seq` (recordTime and personId given);
 * every field as a vendor sends it, in the order of table 2.3.2.
 */
export function mixedSignIn(personId: string, seq: number, recordTime: number): string {
  const slot = seq % 20;
  // ±0.001° (about 100 m) around the centre: inside; 0.01° north: about 1.1 km outside.
  const jitter = ((seq * 7919) % 2001) / 1_000_000 - 0.001;
  const inside = `{"longitude":${(FENCE_CENTRE.lng + jitter).toFixed(6)},"latitude":${(FENCE_CENTRE.lat - jitter).toFixed(6)}}`;
  const outside = `{"longitude":${FENCE_CENTRE.lng.toFixed(6)},"latitude":${(FENCE_CENTRE.lat + 0.01).toFixed(6)}}`;
  const temperature = seq % 100 === 99 ? 50.2 : 36 + (seq % 17) / 10;
  const head = `{"personId":"${personId}",`;
  const tail = `"recordTime":${recordTime},"temperature":${temperature}}`;
  if (slot < 10) return `${head}"type":1,${tail}`;
  if (slot < 14) return `${head}"type":64,"bitType":65,"coordinate":${inside},${tail}`;
  if (slot === 14) return `${head}"type":64,"bitType":65,"coordinate":${outside},${tail}`;
  if (slot === 15) return `${head}"type":64,"coordinate":${inside},${tail}`;
  if (slot < 18)
    return `${head}"type":16,"qrCodeInfo":{"type":"1","codeValue":"KQ1.bench.${personId}.${seq}"},"coordinate":${inside},${tail}`;
  if (slot === 18)
    return `${head}"type":4,"bitType":5,"qrCodeInfo":{"type":"2","codeColor":"${seq % 3 ? 'green' : 'yellow'}","codeValue":"hc-${seq}"},${tail}`;
  return `${head}"type":8,"bitType":33,${tail}`;
}
