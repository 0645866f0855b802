// In-process gateway instances on one Redis topology (cluster, sentinel): started ready, asked distinct questions.
import { startGateway, type TestGateway } from './start-gateway.js';

export interface ReadyBody {
  status: string;
  checks: { redis: { topology?: string }; rate_limiter: { backend: string } };
}

export async function readyBody(gw: TestGateway): Promise<ReadyBody> {
  return (await (await fetch(`${gw.url}/health/ready`)).json()) as ReadyBody;
}

/** Polls `condition` every 50 ms; throws after `ms`. */
export async function until(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `count` instances with `env` (the topology's variables and a key prefix), each ready (its Redis
 * connected, as a load balancer would wait for); pushed onto `started` so the caller closes them.
 */
export async function readyInstances(
  count: number,
  env: Record<string, string>,
  started: TestGateway[],
): Promise<TestGateway[]> {
  const gateways = await Promise.all(
    Array.from({ length: count }, () => startGateway({ env: { REDIS_COMMAND_TIMEOUT_MS: '500', ...env } })),
  );
  started.push(...gateways);
  for (const gw of gateways) await until(async () => (await readyBody(gw)).status === 'ready', 10_000);
  return gateways;
}

let unique = 0;
/** A chat request; without `content` a prompt no other request has (no cache hit, no joining). */
export function ask(gw: TestGateway, content?: string): Promise<Response> {
  unique += 1;
  return gw.post({ messages: [{ role: 'user', content: content ?? `instances ${unique}` }] });
}

/** 90 distinct requests spread over `gateways` at once: their statuses. */
export function ninetyAtOnce(gateways: readonly TestGateway[]): Promise<number[]> {
  return Promise.all(
    Array.from({ length: 90 }, async (_, i) => {
      const res = await ask(gateways[i % gateways.length] as TestGateway);
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

/** A's answer is stored, then B is asked the same until it answers from the cache (stored after A's answer is sent). */
export async function hitOnB(a: TestGateway, b: TestGateway, question: string) {
  const first = await ask(a, question);
  const stored = (await first.json()) as { choices: unknown };
  let hit: { choices: unknown; usage?: { from_cache?: boolean } } = { choices: undefined };
  await until(async () => {
    hit = (await (await ask(b, question)).json()) as typeof hit;
    return hit.usage?.from_cache === true;
  }, 3000);
  return { status: first.status, stored: stored.choices, hit: hit.choices };
}
