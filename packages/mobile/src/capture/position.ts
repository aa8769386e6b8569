/**
 * The phone's position for a clock-in: WGS-84 from navigator.geolocation (what the
 * platform's fence expects, docs/attendance-rules.md "Datum"), with its accuracy in
 * metres shown to the worker. High accuracy, no cached fix: a position from before the
 * worker walked onto the site would be judged as theirs.
 */
import type { Coordinate } from '../store/db';

export interface Position {
  coordinate: Coordinate;
  accuracy: number;
}

export function currentPosition(timeoutMs = 30_000): Promise<Position> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('no geolocation'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) =>
        resolve({
          coordinate: { longitude: p.coords.longitude, latitude: p.coords.latitude },
          accuracy: p.coords.accuracy,
        }),
      (err) => reject(new Error(err.message || `geolocation error ${err.code}`)),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 },
    );
  });
}
