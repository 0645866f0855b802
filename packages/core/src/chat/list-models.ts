// The model list the gateway shows: the upstream's, or at least the default model when it has none.
import type { ModelList } from '@llm-gateway/contracts';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { CallOptions } from './chat-types.js';

export async function listModels(
  upstream: UpstreamClient,
  defaultModel: string,
  call: CallOptions | undefined,
): Promise<ModelList> {
  try {
    const list = await upstream.listModels(call);
    if (list.data.length > 0) return list;
  } catch {
    // Many OpenAI-compatible providers have no /models; the fallback below is the honest answer.
  }
  return {
    object: 'list',
    data: [{ id: defaultModel, object: 'model', created: 0, owned_by: 'llm-gateway' }],
  };
}
