// Chat-completion request bodies: unique ones (cache misses) or one repeated body (cache hits).

const SYSTEM_PROMPT =
  'You are a concise assistant. Answer in plain text, no markdown, and keep the answer short unless asked.';
const USER_PROMPT =
  'Summarise the trade-offs between caching LLM answers in process memory and in Redis for a gateway ' +
  'that runs several replicas behind a load balancer.';

/** Request headers every target gets (the gateway and the simulator both accept the bearer key). */
export const CHAT_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  authorization: 'Bearer bench-key',
};

export const CHAT_PATH = '/v1/chat/completions';

/** One body; `tag` goes into the user message so different tags never share a cache entry. */
export function chatBody(tag: string, stream: boolean): string {
  return JSON.stringify({
    model: 'bench/model',
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: `[${tag}] ${USER_PROMPT}` },
    ],
    max_tokens: 256,
    ...(stream ? { stream: true } : {}),
  });
}

// Differs per bench process, so a gateway kept from an earlier run (or Redis) never turns a miss into a hit.
const RUN_TAG = `${process.pid.toString(36)}${Date.now().toString(36)}`;
let counter = 0;

/** A body no earlier request of this run used: every request is a cache miss. */
export function uniqueChatBody(stream: boolean): string {
  counter += 1;
  return chatBody(`${RUN_TAG}-${counter}`, stream);
}

/** The same body every time (for a given `label`): every request after the first is a cache hit. */
export function repeatedChatBody(label: string, stream = false): string {
  return chatBody(`${RUN_TAG}-repeat-${label}`, stream);
}
