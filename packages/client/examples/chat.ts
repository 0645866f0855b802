// Runnable example of the typed client: a completion, a streamed answer, and a typed error.
// Start the gateway (`npx -y pnpm@12.4.2 start`, demo mode needs no key), then:
//   npx -y pnpm@12.4.2 --filter @llm-gateway/client example
import { createGatewayClient, GatewayClientError } from '@llm-gateway/client';

const client = createGatewayClient({
  url: process.env.GATEWAY_URL ?? 'http://localhost:8001',
  ...(process.env.GATEWAY_API_KEY ? { apiKey: process.env.GATEWAY_API_KEY } : {}),
});

const health = await client.health();
console.log(`gateway: ${health.status} (${health.upstream})`);

const completion = await client.chat.complete({
  messages: [{ role: 'user', content: 'Say hello in one sentence.' }],
});
console.log(
  `complete: ${completion.choices[0]?.message.content} (from_cache: ${completion.usage?.from_cache})`,
);

process.stdout.write('stream: ');
for await (const text of client.chat.streamText({
  messages: [{ role: 'user', content: 'Count from one to five.' }],
})) {
  process.stdout.write(text);
}
process.stdout.write('\n');

try {
  await client.chat.complete({ messages: [] });
} catch (error) {
  if (!(error instanceof GatewayClientError)) throw error;
  console.log(`typed error: ${error.code} (HTTP ${error.status}, param ${error.param})`);
}
