// Small node:http helpers: read a request body, send JSON or an OpenAI error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { simErrorBody } from './sim-errors.js';

/** Largest request body accepted; larger ones are answered 413 rather than buffered. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Reads a request body as UTF-8: `null` when it exceeds `MAX_BODY_BYTES`, `undefined` when the client left. */
export function readRequestBody(req: IncomingMessage): Promise<string | null | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (value: string | null | undefined): void => {
      if (done) return;
      done = true;
      resolve(value);
    };
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        finish(null);
        return;
      }
      if (!done) parts.push(part);
    });
    req.on('end', () => {
      // A single part is the common case; skip the concat copy.
      const first = parts[0];
      finish(parts.length === 1 && first ? first.toString('utf8') : Buffer.concat(parts).toString('utf8'));
    });
    req.on('error', () => finish(undefined));
    req.on('close', () => finish(undefined));
  });
}

/** A JSON response: its status, the value to serialize, and any extra headers. */
export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Readonly<Record<string, string>> | undefined;
}

/** A text response: its status, body and content type, and any extra headers (which may override the type). */
export interface TextReply {
  status: number;
  text: string;
  contentType: string;
  headers?: Readonly<Record<string, string>> | undefined;
}

/** The optional parts of an OpenAI error; each missing one takes the status's default. */
export interface ErrorDetail {
  message?: string | undefined;
  code?: string | null | undefined;
}

/** Sends a complete JSON response with Content-Length. */
export function sendJson(res: ServerResponse, { status, body, headers }: JsonReply): void {
  sendText(res, { status, text: JSON.stringify(body), contentType: 'application/json', headers });
}

/** Sends a complete response with Content-Length; `headers` may override the content type. */
export function sendText(res: ServerResponse, { status, text, contentType, headers }: TextReply): void {
  if (res.destroyed) return;
  const head: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  };
  // Lower-cased so a caller's `Content-Type` replaces ours instead of being sent twice.
  if (headers) for (const [name, value] of Object.entries(headers)) head[name.toLowerCase()] = value;
  res.writeHead(status, head);
  res.end(text);
}

/** Sends an OpenAI-shaped error. */
export function sendError(res: ServerResponse, status: number, { message, code }: ErrorDetail = {}): void {
  sendJson(res, { status, body: simErrorBody(status, message, code) });
}

/** Sends `204 No Content`. */
export function sendNoContent(res: ServerResponse): void {
  if (res.destroyed) return;
  res.writeHead(204);
  res.end();
}
