/** Values every vector shares: the standard's own example credentials and device (2.1.4). */
export const V = {
  version: 'v1.0.0',
  sn: '1388186',
  accessId: 'e752cf16af1c462a9859d565ebaac6c7',
  accessKey: 'a9f88d5b5f4e4c94962ee3feaa85cdc3',
  accessSecret: '93f6218530984c32a3bf2b3d03dcb417',
  token: '696e8019b6fe4dbcb7e5ced91a1c771c',
  timeStamp: '20210328031608',
  /** 2021-03-28 03:16:08 UTC+8 as epoch ms: the "now" of every vector. */
  nowMs: Date.UTC(2021, 2, 27, 19, 16, 8),
  personId: '4508004291609636864',
  taskid: '6541951958563696640',
  /** A 2×2 red PNG, small enough to read in a vector. */
  imgBase64: 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
} as const;
