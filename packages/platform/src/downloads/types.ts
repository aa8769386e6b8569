/**
 * Signed, expiring download URLs for face photos (imgUrls, 3.3.3) and firmware
 * (downloadUrl, 3.7.2). The task engine asks for URLs; the HTTP server serves them.
 */
import type { OpenImage } from '../firmware-images/index.js';
export interface UrlSigner {
  /** URL of a stored face photo (a blob key), valid until now + ttl. */
  photoUrl(baseUrl: string, photoKey: string, now: number): string;
  /** URL of a clock-in's photo (a key in the attendance photo store), valid until now + ttl. */
  clockInPhotoUrl(baseUrl: string, photoKey: string, now: number): string;
  /** URL of a firmware image (its id), valid until now + ttl. */
  firmwareUrl(baseUrl: string, firmwareId: string, now: number): string;
}

/** Where the download routes find what they serve. */
export interface DownloadSources {
  /** Photo bytes by blob key, and the key's format ("jpg" | "png"), or undefined when absent. */
  photo(key: string): Promise<{ bytes: Uint8Array; ext: string } | undefined>;
  /** A clock-in's photo by key (the attendance photo store); without it, /dl/clockin answers 404. */
  clockInPhoto?(key: string): Promise<{ bytes: Uint8Array; ext: string } | undefined>;
  /** A firmware image by id, opened, with its file name; undefined when unknown. */
  firmware(id: string): Promise<{ image: OpenImage; fileName: string } | undefined>;
}
