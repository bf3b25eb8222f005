import { bodyText, type HttpEvent } from './http';
import { BadRequestError, PayloadTooLargeError } from './errors';

/** The request body as JSON, bounded in size; a clear 4xx for anything else. */
export function parseJsonBody(event: HttpEvent, maxBytes = 16 * 1024): unknown {
  const body = bodyText(event);
  if (Buffer.byteLength(body) > maxBytes) throw new PayloadTooLargeError(`body larger than ${maxBytes} bytes`);
  if (!body) throw new BadRequestError('a JSON body is required');
  try {
    return JSON.parse(body);
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}
