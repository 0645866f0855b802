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

/** Sends a complete JSON response with Content-Length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  sendText(res, status, JSON.stringify(body), 'application/json', headers);
}

/** Sends a complete response with Content-Length; `headers` may override the content type. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers?: Readonly<Record<string, string>>,
): void {
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
export function sendError(res: ServerResponse, status: number, message?: string, code?: string | null): void {
  sendJson(res, status, simErrorBody(status, message, code));
}

/** Sends `204 No Content`. */
export function sendNoContent(res: ServerResponse): void {
  if (res.destroyed) return;
  res.writeHead(204);
  res.end();
}
