// Test fixture: start simulators that are closed after each test, and small HTTP client helpers.
import { afterEach } from 'vitest';
import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '../../src/index.js';

/** Registers an afterEach that closes every simulator started through the returned function. */
export function useSims(): (options?: UpstreamSimOptions) => Promise<UpstreamSim> {
  const running: UpstreamSim[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
  });
  return async (options) => {
    const sim = await startUpstreamSim(options);
    running.push(sim);
    return sim;
  };
}

/** A minimal chat request; `extra` fields are merged in. */
export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'sim/echo', messages: [{ role: 'user', content: 'Hello, simulator!' }], ...extra };
}

/** POSTs a chat request (objects are JSON-encoded, strings sent as-is). */
export function postChat(sim: UpstreamSim, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** Result of reading a body until it ends, fails, or a condition holds. */
export interface PartialRead {
  text: string;
  /** True when the body ended normally. */
  done: boolean;
  /** The read error when the connection broke. */
  error: unknown;
}

/** Reads `res.body` until `until(text)` holds, the body ends, or it fails. Does not cancel the body. */
export async function readBody(
  res: Response,
  until: (text: string) => boolean = () => false,
): Promise<PartialRead> {
  const body = res.body;
  if (!body) return { text: '', done: true, error: undefined };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, done: true, error: undefined };
      text += decoder.decode(value, { stream: true });
      if (until(text)) {
        reader.releaseLock();
        return { text, done: false, error: undefined };
      }
    }
  } catch (error) {
    return { text, done: false, error };
  }
}

/** Counts complete SSE events in `text`. */
export function eventCount(text: string): number {
  return text.split('\n\n').length - 1;
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
