import { defineConfig } from "vitest/config";

// One root config: unit tests sit beside the code, cross-service tests in test/.
// Each test file that needs NATS starts its own nats-server (see @harness/testkit).
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "cli/src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/chaos/**", "test/corpus/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
