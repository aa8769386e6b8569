/** Identifiers and credentials the platform issues. */
import { randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** 32 lowercase hex characters from the CSPRNG: tokens (D7) and vendor credentials (1.1). */
export const randomHex32 = (): string => randomBytes(16).toString('hex');
