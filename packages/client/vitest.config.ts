// Vitest for this package: workspace packages from source; end-to-end hooks start a built gateway process.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['@llm-gateway/source', 'module', 'node', 'development|production'] } },
  // Starting a gateway process takes well under a second, but a busy 2-core machine can stretch it.
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], hookTimeout: 30_000 },
});
