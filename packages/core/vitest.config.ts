// Vitest for this package: resolve workspace packages to their TypeScript source.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['@llm-gateway/source', 'module', 'node', 'development|production'] } },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
