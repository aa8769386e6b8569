/**
 * Printing a person code: PNG or SVG at error correction M (15 % of the symbol may be
 * smudged or torn and it still reads), never above version 6 (41 × 41 modules, the size
 * issue 12 promises devices' scanners). The code's 131 characters are all QR
 * alphanumeric (codec.ts), which version 6 holds (154 at M); the check guards against a
 * format change that would silently print a denser symbol.
 */
import QRCode from 'qrcode';

export const QR_MAX_SYMBOL_VERSION = 6;
export const QR_ECC = 'M' as const;
/** The quiet zone the QR standard asks for, in modules. */
const MARGIN = 4;
/** PNG pixels per module: the 41-module symbol and its quiet zone print 392 px wide. */
const PNG_SCALE = 8;

/** The symbol's version for a text at ECC M; throws when it would exceed version 6. */
export function symbolVersion(text: string): number {
  const { version } = QRCode.create(text, { errorCorrectionLevel: QR_ECC });
  if (version > QR_MAX_SYMBOL_VERSION)
    throw new Error(
      `a person code must fit a version-${QR_MAX_SYMBOL_VERSION} QR symbol, this needs ${version}`,
    );
  return version;
}

export async function renderPng(text: string): Promise<Buffer> {
  const version = symbolVersion(text);
  return QRCode.toBuffer(text, {
    type: 'png',
    errorCorrectionLevel: QR_ECC,
    version,
    margin: MARGIN,
    scale: PNG_SCALE,
  });
}

export async function renderSvg(text: string): Promise<string> {
  const version = symbolVersion(text);
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: QR_ECC, version, margin: MARGIN });
}
