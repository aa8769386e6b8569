/** Sizes and names the segment store's parts share. */
export const DEFAULT_SEGMENT_BYTES = 256 * 1024 * 1024;
export const DEFAULT_OPEN_SEGMENTS = 16;
export const KEY = /^[0-9a-f]{64}$/;
export const TEMP_SUFFIX = '.tmp';
/** Bytes per write syscall; see writevAt in segment-io.ts. */
export const WRITE_CHUNK_BYTES = 1024 * 1024;
