// Shared setup for the client's end-to-end tests: a simulator in this process, the built gateway as a child.
import { type SpawnedGateway, spawnGateway } from '@llm-gateway/test-support';
import { startUpstreamSim, type UpstreamSim } from '@llm-gateway/upstream-sim';

export const UPSTREAM_KEY = 'sk-upstream-e2e-secret';

export interface Stack {
  sim: UpstreamSim;
  gateway: SpawnedGateway;
  stop(): Promise<void>;
}

/** The gateway runs with the given env over defaults (memory cache, no Redis, generous limits). */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const sim = await startUpstreamSim({ apiKey: UPSTREAM_KEY });
  try {
    const gateway = await spawnGateway({
      PROXYAPI_API_KEY: UPSTREAM_KEY,
      OPENROUTER_BASE_URL: sim.baseUrl,
      RETRY_BASE_DELAY_MS: '10',
      ...env,
    });
    return {
      sim,
      gateway,
      stop: async () => {
        await gateway.stop();
        await sim.close();
      },
    };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

export function prompt(content: string) {
  return { messages: [{ role: 'user' as const, content }] };
}
