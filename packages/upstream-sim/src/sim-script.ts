// Scripted answers: the events (or JSON body) a test gave the simulator, sent verbatim.
import { sendError, sendJson, sendText } from './sim-http.js';
import type { ResponseLife } from './sim-lifetime.js';
import { DONE_EVENT, openEventStream } from './sim-stream.js';
import type { SimScriptFault } from './sim-types.js';

/** What a non-stream request gets when the script has no `json` answer. */
export const SCRIPT_WITHOUT_JSON_MESSAGE =
  'upstream-sim: this scripted answer has no `json` for a non-stream request.';

/**
 * Answers with a script: a stream of its events (then `[DONE]` unless `done` is false), or its `json`
 * for a non-stream request. Resolves when the answer is written or the client has left.
 */
export async function writeScript(
  life: ResponseLife,
  script: SimScriptFault,
  stream: boolean,
): Promise<void> {
  if (!stream) {
    writeScriptJson(life, script);
    return;
  }
  const res = life.res;
  const delay = Math.max(0, script.delayMs ?? 0);
  const events = script.events.map(scriptEvent);
  if (script.done !== false) events.push(DONE_EVENT);
  openEventStream(res);
  let first = true;
  for (const event of events) {
    // The gap comes before every event but the first, so nothing waits after the last one.
    if (!first && delay > 0 && !(await life.sleep(delay))) return;
    if (life.closed) return;
    res.write(event);
    first = false;
  }
  res.end();
}

/** One scripted event as SSE text: strings are the data text exactly, anything else is JSON-encoded. */
export function scriptEvent(event: Record<string, unknown> | string): string {
  return `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`;
}

function writeScriptJson(life: ResponseLife, script: SimScriptFault): void {
  const json = script.json;
  if (json === undefined) sendError(life.res, 500, { message: SCRIPT_WITHOUT_JSON_MESSAGE });
  else if (typeof json === 'string')
    sendText(life.res, { status: 200, text: json, contentType: 'application/json' });
  else sendJson(life.res, { status: 200, body: json });
}
