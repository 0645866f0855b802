// Asks a gateway whether a body is answered from its cache (the x-cache header), to check a scenario's premise.
import { request } from 'undici';
import { CHAT_HEADERS, CHAT_PATH } from './chat-bodies.js';

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
