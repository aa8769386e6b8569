/**
 * Where photos and firmware live. Keys are content addresses (sha256 hex), so writing
 * the same bytes twice stores them once and a retried write is harmless. The local
 * filesystem is the embedded default; an S3-compatible store comes with scale-out.
 * Every backend passes the one shared suite in test/blobs/blob-store.suite.ts.
 */
export interface BlobStore {
  /**
   * Stores bytes durably (on disk and fsync'd, or acknowledged by the remote) before it
   * resolves; returns the key. `ext` ("jpg", "png", "bin") is kept for serving.
   */
  put(bytes: Uint8Array, ext: string): Promise<string>;
  /** Stores many at once; resolves when every one is durable. */
  putMany(items: { bytes: Uint8Array; ext: string }[]): Promise<string[]>;
  get(key: string): Promise<Uint8Array | undefined>;
  has(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A blob store whose blobs can be deleted for good: enrolment photos, which erasing a
 * person (PIPL) must remove from disk, not only forget.
 */
export interface ErasableBlobStore extends BlobStore {
  /** Removes the blob durably (the file unlinked, its directory fsync'd); false when there was none. */
  delete(key: string): Promise<boolean>;
}
