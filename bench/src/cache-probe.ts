// Asks a gateway whether a body is answered from its cache (the x-cache header), and fills it for one body.
import { request } from 'undici';
import { CHAT_HEADERS, CHAT_PATH } from './chat-bodies.js';
import { sleep } from './sleep.js';

/** Sends `body` twice and returns both answers' `x-cache` headers, e.g. `MISS,HIT`. */
export async function probeCache(baseUrl: string, body: string): Promise<string> {
  const seen: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await request(`${baseUrl}${CHAT_PATH}`, { method: 'POST', headers: CHAT_HEADERS, body });
    await res.body.dump();
    const header = res.headers['x-cache'];
    seen.push(`${res.statusCode === 200 ? '' : `${res.statusCode} `}${String(header ?? 'none')}`);
  }
  return seen.join(',');
}

/** Longest wait for a primed answer to be stored (the gateway stores it after the stream has ended). */
const PRIME_TRIES = 20;
const PRIME_RETRY_MS = 50;

/**
 * Sends the streaming `body` once (a miss that fills the cache), then again until an answer says `HIT`;
 * returns the `x-cache` headers seen, e.g. `MISS,HIT`. Does not throw when no hit comes: the caller sees
 * it in the returned text and in the simulator's counters.
 */
export async function primeStreamCache(baseUrl: string, body: string): Promise<string> {
  const seen: string[] = [];
  for (let i = 0; i <= PRIME_TRIES; i++) {
    const res = await request(`${baseUrl}${CHAT_PATH}`, { method: 'POST', headers: CHAT_HEADERS, body });
    // Read to the end: a stream left early is abandoned by the gateway, not stored.
    await res.body.text();
    const header = String(res.headers['x-cache'] ?? 'none');
    seen.push(`${res.statusCode === 200 ? '' : `${res.statusCode} `}${header}`);
    if (i > 0 && header === 'HIT') break;
    if (i > 0) await sleep(PRIME_RETRY_MS);
  }
  return seen.join(',');
}
