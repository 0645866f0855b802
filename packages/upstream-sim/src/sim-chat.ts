// The POST /v1/chat/completions handler: parse, record, pick a fault or script, wait the latency, answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeCompletion } from './sim-completion.js';
import { applyReplacingFault, isMidStreamFault } from './sim-faults.js';
import { readRequestBody, sendError } from './sim-http.js';
import type { ResponseLife } from './sim-lifetime.js';
import { planAnswer } from './sim-reply.js';
import { isRecord, readChatRequest } from './sim-request.js';
import { writeScript } from './sim-script.js';
import type { SimState } from './sim-state.js';
import { writeStream } from './sim-stream.js';

const BAD_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)";

/** One chat-completions exchange: the request, its URL path (without the query) and the response's lifetime. */
export interface ChatExchange {
  req: IncomingMessage;
  path: string;
  life: ResponseLife;
}

/** Answers one chat-completions request (the body is read here). */
export async function handleChat(state: SimState, { req, path, life }: ChatExchange): Promise<void> {
  const stats = state.board.stats;
  stats.chatRequests++;
  state.board.changed();
  const text = await readBody(req, life.res);
  if (text === undefined) return;

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    state.recordRequest({ method: 'POST', path, headers: req.headers, body: text });
    sendError(life.res, 400, { message: BAD_JSON_MESSAGE, code: null });
    return;
  }
  state.recordRequest({ method: 'POST', path, headers: req.headers, body });
  if (!isRecord(body)) {
    sendError(life.res, 400, { message: 'The request body must be a JSON object.', code: null });
    return;
  }

  const request = readChatRequest(body);
  if (request.stream) {
    stats.streamRequests++;
    state.board.changed();
  }
  // Settings and fault are fixed at arrival, so later configure()/enqueue() calls never affect this reply.
  const settings = state.settings;
  const fault = state.faults.next();
  if (settings.latencyMs > 0 && !(await life.sleep(settings.latencyMs))) return;
  if (life.closed) return;
  if (fault?.kind === 'script') {
    await writeScript(life, fault, request.stream);
    return;
  }
  if (fault !== undefined && !isMidStreamFault(fault)) {
    applyReplacingFault(life, fault, request.stream);
    return;
  }
  const answer = planAnswer({
    id: state.nextCompletionId(),
    model: request.model ?? state.defaultModel,
    request,
    settings,
  });
  if (request.stream) await writeStream(life, answer, fault);
  else writeCompletion(life, answer, fault);
}

// Resolves the body text, or undefined once the request has been dealt with (client gone, or 413 sent).
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  const text = await readRequestBody(req);
  if (text === null) {
    // Too large: answer and drop the connection rather than swallowing the rest of the upload.
    res.setHeader('connection', 'close');
    sendError(res, 413);
    return undefined;
  }
  return text;
}
