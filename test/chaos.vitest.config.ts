import { defineConfig } from "vitest/config";

// Fault tests: whole stacks of service processes, killed and restarted on purpose. They run one
// file at a time (each file starts its own processes) with timeouts sized for recovery.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
    reporters: ["default"],
  },
});
