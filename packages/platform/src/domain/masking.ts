/**
 * PIPL masking (api.md "Personal data"): lists and default reads show an ID number as
 * its first six and last four characters (330102********1234) and a phone number as
 * its first three and last four (138****5678). The full values only come from the
 * audited identity endpoint.
 */

export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 10) return '*'.repeat(idNumber.length);
  return `${idNumber.slice(0, 6)}${'*'.repeat(idNumber.length - 10)}${idNumber.slice(-4)}`;
}

export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}
