// Non-streamed answers: one `chat.completion` JSON body, or a truncated one for mid-stream faults.
import type { MidStreamFault } from './sim-faults.js';
import { sendError, sendText } from './sim-http.js';
import type { ResponseLife } from './sim-lifetime.js';
import { completionBody, type SimAnswer } from './sim-reply.js';

/**
 * Sends the completion. A `reset-mid-stream` / `hang-mid-stream` fault sends the headers (with the full
 * Content-Length) and half the body, then destroys the socket / stalls; `error-event` becomes a 500.
 */
export function writeCompletion(
  life: ResponseLife,
  answer: SimAnswer,
  fault: MidStreamFault | undefined,
): void {
  const res = life.res;
  const body = JSON.stringify(completionBody(answer));
  if (fault === undefined) {
    sendText(res, {
      status: 200,
      text: body,
      contentType: 'application/json',
      headers: { 'x-request-id': answer.id },
    });
    return;
  }
  if (fault.kind === 'error-event') {
    sendError(res, 500);
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': answer.id,
  });
  const partial = body.slice(0, Math.floor(body.length / 2));
  if (fault.kind === 'reset-mid-stream') life.writeThenDestroy(partial);
  else res.write(partial); // hang-mid-stream: stall with the body incomplete.
}
