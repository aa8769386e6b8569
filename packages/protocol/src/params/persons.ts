/** Person tasks: T_SEND_PERSON (3.3), T_UPDATE_DEVICE_PERSON (3.4), T_DEL_DEVICE_PERSON (3.5),
 *  T_POST_DEVICE_PERSON (3.8). */
import { z } from 'zod';
import { idString, intLike, pageNumber } from './common.js';

/** Page size when a device does not ask for one, and the most it may ask for (D5). */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

/** 3.3.2 / 3.4.2: {currentPage, totalPage} per the table, {currentPage, size} per the example (D5). */
export const pageParam = z.object({
  currentPage: pageNumber,
  totalPage: intLike.pipe(z.number().int().min(0)).optional(),
  // Larger pages are served at the cap rather than refused (strict in what we send).
  size: intLike
    .pipe(z.number().int().min(1))
    .transform((n) => Math.min(n, MAX_PAGE_SIZE))
    .optional(),
});

export const personEntry = z.object({
  personId: idString,
  name: z.string(),
  imgUrls: z.array(z.string()),
  /**
   * Our extension (docs/protocol.md 7.7): the person's iris images (640 × 480 8-bit grey
   * BMP, §1.2(2)) by eye, signed download URLs like imgUrls. Absent for persons without
   * iris images; a device that does not know the field ignores it.
   */
  irisUrls: z.object({ left: z.string().optional(), right: z.string().optional() }).optional(),
});

/** 3.3.3 / 3.4.3 response. */
export const personPage = z.object({
  data: z.array(personEntry),
  currentPage: z.number().int().min(1),
  totalPage: z.number().int().min(0),
});

/** 3.5.3 response. */
export const deletePersonsResponse = z.object({ personIds: z.array(idString) });

/** Fields a device may leave out of T_POST_DEVICE_PERSON when the task's excludeFields names them. */
export const EXCLUDABLE_FIELDS = ['name', 'img', 'hasImg', 'phone', 'idcardNo'] as const;

/** 3.1.3 excludeFields: text "img,phone" per the table; a list is tolerated. */
export const postPersonsTaskParam = z.object({
  excludeFields: z
    .union([
      z.string().transform((s) =>
        s
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean),
      ),
      z.array(z.string()),
    ])
    .optional(),
});

/** 3.8.2: one person as the device holds it. img is left out of the signature (D4). */
export const devicePersonEntry = z.object({
  personId: idString,
  name: z.string().optional(),
  img: z.string().optional(),
  hasImg: intLike.pipe(z.union([z.literal(0), z.literal(1)])).optional(),
  phone: z.string().max(32).optional(),
  idcardNo: z.string().max(32).optional(),
});

export const postPersonsParam = z.object({
  currentPage: pageNumber,
  totalPage: intLike.pipe(z.number().int().min(0)),
  data: z.array(devicePersonEntry).max(MAX_PAGE_SIZE * 10),
});

export type PageParam = z.infer<typeof pageParam>;
export type PersonPage = z.infer<typeof personPage>;
export type PostPersonsParam = z.infer<typeof postPersonsParam>;
