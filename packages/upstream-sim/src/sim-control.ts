// The /__sim/* control endpoints, for driving a simulator that runs in another process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody, sendError, sendJson, sendNoContent } from './sim-http.js';
import type { SimState } from './sim-state.js';
import { parseFault, parseFaults, parseReplyPatch, SimInputError } from './sim-validate.js';

/** One control exchange: the request, its response and the URL path (without the query). */
export interface ControlExchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
}

/**
 * Handles `GET /__sim/stats`, `GET /__sim/requests`, `POST /__sim/configure` (Partial<SimReply>),
 * `POST /__sim/enqueue` (SimFault[] or one SimFault), `POST /__sim/fault-always` (SimFault or null)
 * and `POST /__sim/reset`. These requests are not counted in the stats.
 */
export async function handleControl(state: SimState, { req, res, path }: ControlExchange): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path}`;
  switch (route) {
    case 'GET /__sim/stats':
      sendJson(res, { status: 200, body: state.board.stats });
      return;
    case 'GET /__sim/requests':
      sendJson(res, { status: 200, body: state.recorded });
      return;
    case 'POST /__sim/reset':
      state.reset();
      sendNoContent(res);
      return;
    case 'POST /__sim/configure':
    case 'POST /__sim/enqueue':
    case 'POST /__sim/fault-always':
      break;
    default:
      sendError(res, 404, { message: `Unknown control endpoint (${route}).` });
      return;
  }
  const text = await readRequestBody(req);
  if (text === undefined) return; // The client left.
  if (text === null) {
    res.setHeader('connection', 'close');
    sendError(res, 413);
    return;
  }
  try {
    const input: unknown = JSON.parse(text);
    if (path === '/__sim/configure') state.configure(parseReplyPatch(input));
    else if (path === '/__sim/enqueue') state.faults.enqueue(parseFaults(input));
    else state.faults.setAlways(input === null ? undefined : parseFault(input));
  } catch (error) {
    const message = error instanceof SimInputError ? error.message : 'The control body is not valid JSON.';
    sendError(res, 400, { message });
    return;
  }
  sendNoContent(res);
}
