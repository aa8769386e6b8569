/**
 * The ZIP of face photos that comes with a roster: `<ID number>.jpg|.jpeg|.png`, in any
 * folder, the extension and a lower-case x in any case. Only the central directory is
 * read up front (an index by ID number); a photo's bytes are read when its row is
 * checked, so 5,000 photos are never in memory together and nothing is extracted to disk.
 *
 * An upload is untrusted, so before a byte is inflated: at most `maxEntries` entries;
 * the sizes the directory declares must stay under `maxTotalBytes` in all, and an entry
 * of `maxEntryBytes` or more is not read at all (§1.2: a face photo is under 400 KB, so it
 * would be refused anyway); an entry that claims to inflate more than `maxRatio` times is a
 * ZIP bomb and skipped; yauzl then holds every entry to its declared size while inflating.
 * Names are decoded here (UTF-8 when flagged, else UTF-8 or GB18030, as Chinese Windows
 * writes them), and a name with `..` or an absolute path is reported and skipped, not fatal.
 */
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { type ImportProblem, type ImportProblemCode, importProblem } from './messages.js';

export interface PhotoZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
}

export const DEFAULT_PHOTO_ZIP_LIMITS: PhotoZipLimits = {
  maxEntries: 50_000,
  maxEntryBytes: 400 * 1024,
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 100,
};

/** One photo the ZIP holds for an ID number. */
export interface ZipPhoto {
  entryName: string;
  /** Declared uncompressed size. */
  size: number;
  /** Why the entry will not be read (too large: no need to inflate it to say so). */
  refused?: 'photo_too_large';
  entry: Entry;
}

/** An entry reported to the operator, with why it was not used. */
export interface ZipEntryProblem extends ImportProblem {
  entry: string;
}

export class PhotoZipError extends Error {
  constructor(
    readonly code: 'zip_unreadable' | 'zip_too_many_entries' | 'zip_too_large',
    readonly zh: string,
    en: string,
  ) {
    super(en);
  }
}

const PHOTO_NAME = /^([0-9]{17}[0-9xX])\.(jpe?g|png)$/i;
/** What archivers and file managers leave behind: not worth a line in the report. */
const NOISE = /(^|\/)(__MACOSX\/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/i;

export class PhotoZip {
  readonly #zip: ZipFile;
  readonly #limits: PhotoZipLimits;
  /** By upper-case ID number: every entry named so (more than one is ambiguous). */
  readonly byIdNumber = new Map<string, ZipPhoto[]>();
  readonly problems: ZipEntryProblem[] = [];
  entries = 0;

  private constructor(zip: ZipFile, limits: PhotoZipLimits) {
    this.#zip = zip;
    this.#limits = limits;
  }

  static async open(path: string, limits: PhotoZipLimits = DEFAULT_PHOTO_ZIP_LIMITS): Promise<PhotoZip> {
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(
        path,
        { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true },
        (err, z) => (err || !z ? reject(unreadable(err)) : resolve(z)),
      ),
    );
    const pz = new PhotoZip(zip, limits);
    try {
      if (zip.entryCount > limits.maxEntries)
        throw new PhotoZipError(
          'zip_too_many_entries',
          `照片压缩包超过 ${limits.maxEntries} 个文件`,
          `the photo ZIP has more than ${limits.maxEntries} entries`,
        );
      await pz.#index();
      return pz;
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  async #index(): Promise<void> {
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      this.#zip.on('entry', (entry: Entry) => {
        try {
          this.entries++;
          const name = entryName(entry);
          if (!name.endsWith('/') && !NOISE.test(name)) {
            total += entry.uncompressedSize;
            this.#add(entry, name);
          }
          if (total > this.#limits.maxTotalBytes)
            throw new PhotoZipError(
              'zip_too_large',
              '照片压缩包解压后过大',
              `the photo ZIP inflates to more than ${this.#limits.maxTotalBytes} bytes`,
            );
          this.#zip.readEntry();
        } catch (err) {
          reject(err);
        }
      });
      this.#zip.once('end', () => resolve());
      this.#zip.once('error', (err: Error) => reject(unreadable(err)));
      this.#zip.readEntry();
    });
  }

  #add(entry: Entry, name: string): void {
    const skip = (code: ImportProblemCode, params = {}): void => {
      this.problems.push({ entry: name, ...importProblem(code, { field: 'photo' }, params) });
    };
    if (name.startsWith('/') || /^[a-z]:/i.test(name) || name.split('/').includes('..')) {
      skip('zip_entry_unsafe_path');
      return;
    }
    const m = PHOTO_NAME.exec(name.slice(name.lastIndexOf('/') + 1));
    if (!m) {
      skip('zip_entry_not_id_number');
      return;
    }
    if (entry.isEncrypted()) {
      skip('zip_entry_encrypted');
      return;
    }
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      skip('zip_entry_method');
      return;
    }
    const { uncompressedSize: size, compressedSize } = entry;
    if (
      size > 0 &&
      size < this.#limits.maxEntryBytes &&
      size > Math.max(compressedSize, 1) * this.#limits.maxRatio
    ) {
      skip('zip_entry_ratio', { max: this.#limits.maxRatio });
      return;
    }
    const photo: ZipPhoto = { entryName: name, size, entry };
    if (size >= this.#limits.maxEntryBytes) photo.refused = 'photo_too_large';
    const id = m[1]!.toUpperCase();
    const list = this.byIdNumber.get(id);
    if (list) list.push(photo);
    else this.byIdNumber.set(id, [photo]);
  }

  /** The bytes of one photo; rejects if the entry is damaged or inflates past its size. */
  read(photo: ZipPhoto): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#zip.openReadStream(photo.entry, (err, stream: Readable) => {
        if (err || !stream) return reject(err ?? new Error('no stream'));
        const chunks: Buffer[] = [];
        let n = 0;
        stream.on('data', (c: Buffer) => {
          n += c.length;
          // yauzl checks the declared size; this is the belt to its braces.
          if (n > photo.size) stream.destroy(new Error('entry larger than declared'));
          else chunks.push(c);
        });
        stream.once('error', reject);
        stream.once('end', () => resolve(Buffer.concat(chunks, n)));
      });
    });
  }

  close(): void {
    this.#zip.close();
  }
}

/** The entry's name: UTF-8 if flagged, else UTF-8 if it decodes, else GB18030 (Chinese Windows). */
function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  let name: string;
  if (entry.generalPurposeBitFlag & 0x800) name = raw.toString('utf8');
  else {
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      name = new TextDecoder('gb18030').decode(raw);
    }
  }
  return name.replace(/\\/g, '/');
}

function unreadable(err: unknown): PhotoZipError {
  const why = err instanceof Error ? err.message.slice(0, 200) : String(err);
  return new PhotoZipError(
    'zip_unreadable',
    `无法读取照片压缩包：${why}`,
    `the photo ZIP cannot be read: ${why}`,
  );
}
