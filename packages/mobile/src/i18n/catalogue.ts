import type { zh } from './zh';

/** The shape of a catalogue: zh.ts's keys, every leaf a string. */
type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Catalogue = Widen<typeof zh>;
