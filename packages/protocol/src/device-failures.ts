/**
 * Device-side failure codes (decision D8): what a device puts in failedPersons /
 * failedFaces of T_UPDATE_TASKS_STATUS (3.2.2) when it cannot take a person or a face.
 * The standard shows only the example "404_1"; these are kaoqin's, deliberately in a
 * different shape (Dnn) from the platform's NNN_NN codes so the two never mix.
 * A platform records any string a device sends; codes outside this list are kept as
 * the vendor's own.
 */

export interface DeviceFailure {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
  /** Whether it belongs in failedPersons, failedFaces, or either. */
  readonly scope: 'person' | 'face' | 'any';
}

function failure(code: string, scope: DeviceFailure['scope'], zh: string, en: string): DeviceFailure {
  return { code, scope, zh, en };
}

export const DEVICE_FAILURES = {
  PERSON_INVALID: failure(
    'D01',
    'person',
    '人员数据不完整',
    'person record incomplete (personId or name missing)',
  ),
  PERSON_CAPACITY: failure('D02', 'person', '设备人员容量已满', 'device person capacity reached'),
  PERSON_STORE: failure('D03', 'person', '设备存储写入失败', 'device storage write failed'),
  PHOTO_DOWNLOAD: failure('D10', 'face', '人脸照片下载失败', 'face photo could not be downloaded'),
  PHOTO_FORMAT: failure('D11', 'face', '照片格式不支持', 'photo is not jpg or png'),
  PHOTO_TOO_LARGE: failure('D12', 'face', '照片超过 400KB', 'photo is 400 KB or larger'),
  PHOTO_UNDECODABLE: failure('D13', 'face', '照片无法解码', 'photo cannot be decoded'),
  FACE_TOO_SMALL: failure('D14', 'face', '面部区域小于 128×128 像素', 'face region smaller than 128×128 px'),
  FACE_NOT_FOUND: failure('D15', 'face', '未检测到人脸', 'no face found in the photo'),
  FACE_MULTIPLE: failure('D16', 'face', '检测到多张人脸', 'more than one face in the photo'),
  FACE_QUALITY: failure('D17', 'face', '人脸质量不合格', 'face quality too low (blur, angle, light)'),
  FACE_DUPLICATE: failure('D18', 'face', '人脸已注册为其他人员', 'face already enrolled as another person'),
  FACE_CAPACITY: failure('D19', 'face', '设备人脸容量已满', 'device face capacity reached'),
  OTHER: failure('D99', 'any', '其他错误', 'other device error'),
} as const satisfies Record<string, DeviceFailure>;

const byCode = new Map<string, DeviceFailure>(Object.values(DEVICE_FAILURES).map((f) => [f.code, f]));

export function deviceFailureByCode(code: string): DeviceFailure | undefined {
  return byCode.get(code);
}
