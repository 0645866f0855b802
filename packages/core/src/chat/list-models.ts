// The model list the gateway shows: its route aliases, or the single upstream's own list (at least the default model).
import type { ModelList } from '@llm-gateway/contracts';
import type { RouteTable } from '../routing/route-table.js';
import type { CallOptions } from './chat-types.js';

const entry = (id: string) => ({ id, object: 'model' as const, created: 0, owned_by: 'llm-gateway' });

export async function listModels(routes: RouteTable, call: CallOptions | undefined): Promise<ModelList> {
  if (routes.listing === 'aliases') return { object: 'list', data: routes.visibleAliases().map(entry) };
  const [upstream] = routes.defaultUpstreams();
  try {
    const list = upstream ? await upstream.client.listModels(call) : undefined;
    if (list && list.data.length > 0) return list;
  } catch {
    // Many OpenAI-compatible providers have no /models; the fallback below is the honest answer.
  }
  return { object: 'list', data: [entry(routes.defaultModel)] };
}
