/**
 * @kaoqin/testkit: what every kaoqin package's tests (and the benchmarks) share. Raw
 * wire-level devices (TCP and HTTP, thin enough to send malformed bytes), a fake TCP
 * platform and a proxy that holds answers back, face photos and ID numbers, a fake
 * camera's video file (Y4M) for Chromium, and small waiting and temp-dir helpers. It
 * depends on the protocol alone, never on the platform or the SDK it is used to test.
 */

export {
  browserSkipReason as chromiumSkipReason,
  CHROMIUM,
  CHROMIUM_ARGS,
  fakeCameraArgs,
} from './chromium.js';
export { eyeBmp, type SyntheticEyeOptions, syntheticEye } from './eyes.js';
export { face } from './faces.js';
export {
  i420Size,
  rgbFrameOf,
  rgbToI420,
  writeY4m,
  Y4M_FRAME_TAG,
  type Y4mFormat,
  y4mHeader,
} from './fake-camera.js';
export { answerFrame, type FakeHandler, type FakePlatform, startFakePlatform } from './fake-platform.js';
export { type GateProxy, startGateProxy } from './gate-proxy.js';
export { type HttpAnswer, HttpDevice, type TaskRequest } from './http-device.js';
export { idNumber, idNumberCheckChar, idNumberOf, withBadCheckDigit } from './id-number.js';
export {
  type FakeVideo,
  LIVENESS_LOOP,
  LIVENESS_VIDEO_FORMAT,
  type LivenessPose,
  livenessFrames,
  livenessPoses,
  livenessVideo,
  paintClosedEyes,
  stillVideo,
} from './liveness-video.js';
export { freePort } from './net.js';
export { makePhoto, PHOTO_EDGE, sha256Hex } from './photos.js';
export {
  type CropVariation,
  cropPhoto,
  GENUINE_CROPS,
  ID_CARD_PHOTO_HEIGHT,
  ID_CARD_PHOTO_WIDTH,
  IMPOSTOR_CROPS,
  IMPOSTOR_MEN_CROPS,
  IMPOSTOR_WOMEN_CROPS,
  idCardPhotoOf,
  REAL_FACE_CROPS,
  REAL_FACE_SOURCES,
  type RealFaceCrop,
  type RealFaceName,
  type RealFaceSource,
  realCardPhoto,
  realFace,
  realFacePhoto,
} from './real-faces.js';
export { tamperedSignature } from './signed-url.js';
export { type Answer, answerOf, type Credentials, TestDevice } from './tcp-device.js';
export { tempDir } from './temp.js';
export { vectorFrame } from './vector-frames.js';
export { waitFor } from './wait.js';
