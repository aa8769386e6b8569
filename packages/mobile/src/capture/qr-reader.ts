/**
 * Reads a person QR code (docs/qr-codes.md: text starting KQ1) from camera frames with
 * zxing-wasm's reader, its wasm served by the platform (/m/wasm/), not a CDN. Loaded
 * only when the worker chooses to scan.
 */
import { WASM_BASE } from '../paths';

export async function scanPersonCode(video: HTMLVideoElement, signal: AbortSignal): Promise<string> {
  const zxing = await import('zxing-wasm/reader');
  zxing.prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.wasm') ? `${WASM_BASE}${path}` : prefix + path,
    },
  });
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2d canvas');
  while (!signal.aborted) {
    if (video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const found = await zxing.readBarcodes(frame, {
        formats: ['QRCode'],
        tryHarder: true,
        maxNumberOfSymbols: 1,
      });
      const hit = found.find((r) => r.isValid && r.text.startsWith('KQ1'));
      if (hit) return hit.text;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new DOMException('aborted', 'AbortError');
}
