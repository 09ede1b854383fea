import { defineConfig } from 'vitest/config';
import { availableParallelism } from 'node:os';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/prerequisites.ts'],
    // Test files that start servers share the machine's cores; more workers only add contention.
    maxWorkers: Math.max(1, Math.min(4, availableParallelism())),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
  },
});
