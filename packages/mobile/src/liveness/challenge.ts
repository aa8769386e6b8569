/** The challenges and the failures, without the DOM (the judge and Node tests use them). */

export type Challenge = 'blink' | 'turn_left' | 'turn_right';

export type LivenessFailure =
  | 'no_face'
  | 'multiple_faces'
  | 'not_frontal'
  | 'timeout'
  | 'aborted'
  | 'model_failed';
