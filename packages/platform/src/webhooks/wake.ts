/**
 * The attendance writer announces each new durable row to a LiveSink; the follower
 * wants to hear of them too, without the writer knowing of webhooks. This sink passes
 * everything on and wakes the follower (coalesced there: one wake per burst).
 */
import type { LiveSink } from '../domain/live/types.js';

export function wakingSink(inner: LiveSink, wake: () => void): LiveSink {
  return {
    deviceOnline: (...a) => inner.deviceOnline(...a),
    deviceOffline: (...a) => inner.deviceOffline(...a),
    attendanceCreated(record, id) {
      inner.attendanceCreated(record, id);
      wake();
    },
    taskFinished: (...a) => inner.taskFinished(...a),
    distributionChanged: (...a) => inner.distributionChanged(...a),
  };
}
