import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/infra/**'] },
      },
      {
        extends: true,
        // The infra tests share one synthesis per stack variant (test/infra/support.ts): one process, files one after
        // the other, module cache kept between files.
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], isolate: false, fileParallelism: false },
      },
    ],
  },
});
