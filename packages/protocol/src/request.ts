/**
 * A device request as the checks see it, whichever transport carried it: TCP frames
 * (decoded by messages.ts) and HTTP bodies (read by the platform's device endpoint)
 * both become an IncomingRequest. param is always the exact JSON text that was sent.
 */
export interface IncomingRequest {
  transport: 'tcp' | 'http';
  version?: string | undefined;
  sn?: string | undefined;
  apicode?: string | undefined;
  token?: string | undefined;
  accessId?: string | undefined;
  accessKey?: string | undefined;
  timeStamp?: string | undefined;
  taskid?: string | undefined;
  /** Exact JSON text of param: the string as sent, or an object's text as it stood in the body (D5). */
  param?: string | undefined;
  /** How param arrived over HTTP (D5); TCP param is always text. */
  paramForm?: 'text' | 'object' | undefined;
  sign?: string | undefined;
}
