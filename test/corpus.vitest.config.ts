import { defineConfig } from "vitest/config";

// The seeded-defect corpus (corpora/) through the real evaluator: every variant of every app,
// judged by its strong contract and by the weakest contract the review rules approve plus
// scripted exploration. Longer than a unit test file; run by `pnpm test:corpus` and by CI.
export default defineConfig({
  test: {
    include: ["test/corpus/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    pool: "forks",
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
