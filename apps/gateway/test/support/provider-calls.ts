// The provider-field tests' raw calls: a script's request, streamed or as JSON, read whole, and the wait for the store.
import { sseData } from '@llm-gateway/test-support';
import type { ProviderScript } from './provider-scripts.js';
import type { TestGateway } from './start-gateway.js';

type Json = Record<string, unknown>;

export interface StreamedAnswer {
  status: number;
  /** The `x-cache` header. */
  cache: string | null;
  /** Every event's data text, `[DONE]` included when it was sent. */
  data: string[];
  /** Every event but `[DONE]`, parsed: the chunks, and an error event if the stream failed. */
  chunks: Json[];
}

export interface JsonAnswer {
  status: number;
  cache: string | null;
  body: Json;
}

/** The non-stream request for a script's answer; `prompt` keeps each test's cache key its own. */
export function chatRequest(provider: ProviderScript, prompt: string): Json {
  return { ...provider.request, messages: [{ role: 'user', content: `${provider.name}: ${prompt}` }] };
}

/** POSTs `request` as a stream asking for usage (so usage is there to compare) and reads it to the end. */
export async function streamedAnswer(gw: TestGateway, request: Json): Promise<StreamedAnswer> {
  const res = await gw.post({ ...request, stream: true, stream_options: { include_usage: true } });
  const data = sseData(await res.text());
  return {
    status: res.status,
    cache: res.headers.get('x-cache'),
    data,
    chunks: data.filter((event) => event !== '[DONE]').map((event) => JSON.parse(event) as Json),
  };
}

/** POSTs `request` without `stream` and reads the JSON answer. */
export async function jsonAnswer(gw: TestGateway, request: Json): Promise<JsonAnswer> {
  const res = await gw.post(request);
  return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as Json };
}

/**
 * The cache entry is written once the upstream call has settled, just after the client's last byte;
 * a request sent before would miss, reach the simulator (no script queued) and store its default answer.
 */
export function storeWritten(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}
