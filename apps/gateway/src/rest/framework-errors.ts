// Errors Fastify and Node answer before any route runs (bad URLs, broken HTTP), in OpenAI's shape too.

import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { GatewayError } from '@llm-gateway/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendRestError } from './send-rest-error.js';

/** Fastify's `frameworkErrors`: a path with broken %-encoding, say; the request id is kept. */
export function onFrameworkError(
  error: { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.header('x-request-id', request.id);
  const message = error.code === 'FST_ERR_BAD_URL' ? 'The request URL is malformed.' : 'Invalid request.';
  sendRestError(reply, new GatewayError('invalid_request', message));
}

/**
 * Node's `clientError`: the HTTP framing itself is broken (bad chunking, an impossible header), so no
 * request exists. Answer once, in OpenAI's shape, and close; a socket already gone gets nothing.
 */
export function onClientError(error: { code?: string }, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    new GatewayError(
      'invalid_request',
      tooLarge ? 'The request headers are too large.' : 'The HTTP request is malformed.',
    ).toJSON(),
  );
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
  );
}
