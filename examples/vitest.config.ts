import { defineConfig } from "vitest/config";

// The examples' own tests (`pnpm test:examples`, also run by .ci/run): kept out of `pnpm test` so
// that one needs no Python. Each file starts its own stack.
export default defineConfig({
  test: {
    include: ["examples/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.venv/**"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ["default"],
  },
});
