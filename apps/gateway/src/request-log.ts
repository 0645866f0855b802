// The request line: one info line per HTTP request, with the engine's facts for a REST chat request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type RequestLines, requestLineMessage } from './request-lines.js';

const CHAT_ROUTE = '/v1/chat/completions';

interface LineOptions {
  lines: RequestLines;
  /** The client left before its answer was complete. */
  aborted: boolean;
}

function writeLine(request: FastifyRequest, reply: FastifyReply, { lines, aborted }: LineOptions) {
  const facts = lines.take(request.id);
  request.log.info(
    {
      method: request.method,
      path: request.routeOptions.url ?? request.url.split('?')[0],
      // 499: the client closed the connection before its answer was complete (nginx's convention).
      status: aborted ? 499 : reply.statusCode,
      latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(request.model === undefined ? {} : { model: request.model }),
      ...facts,
    },
    requestLineMessage(facts),
  );
}

/**
 * Fastify's onResponse runs when an answer finished; a chat request whose client left before that
 * (a stream cut off) is written when its connection closes, so it still gets its one line.
 */
export function logRequests(app: FastifyInstance, lines: RequestLines): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'POST' && request.routeOptions.url === CHAT_ROUTE) {
      lines.open(request.id);
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) writeLine(request, reply, { lines, aborted: true });
      });
    }
    done();
  });
  // Callback-style: an async hook costs a promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    writeLine(request, reply, { lines, aborted: false });
    done();
  });
}
