/**
 * The front camera, on the phone only: its stream feeds the <video> the liveness
 * challenge and the QR reader look at, and is stopped when the screen closes. Nothing
 * of it is sent (the one selfie is taken by the liveness check).
 */
export async function openCamera(
  video: HTMLVideoElement,
  facing: 'user' | 'environment',
): Promise<MediaStream> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: facing, width: { ideal: 640 }, height: { ideal: 480 } },
  });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  return stream;
}

export function closeCamera(stream: MediaStream | undefined, video?: HTMLVideoElement | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
  if (video) video.srcObject = null;
}
