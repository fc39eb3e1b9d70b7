import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const services = ["planner", "generator", "evaluator", "supervisor"];

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/fixtures/**/app/**", "corpora/**/app/**", "bench/results/**", ".harness/**", "**/.venv/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", { selector: "ExportAllDeclaration", message: "index.ts lists its exports by name; no export *." }],
    },
  },
  // Services share only packages/*: a service importing another service is a design error.
  ...services.map((svc) => ({
    files: [`services/${svc}/**/*.ts`],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: services.filter((o) => o !== svc).flatMap((o) => [
          { group: [`@harness/${o}`, `@harness/${o}/*`], message: "Services never import each other; share code through packages/*." },
          { group: [`**/services/${o}/**`, `../${o}/**`, `../../${o}/**`], message: "Services never import each other; share code through packages/*." },
        ]),
      }],
    },
  })),
  // Contracts are pure schemas: zod and nothing else.
  {
    files: ["packages/contracts/src/**/*.ts"],
    ignores: ["packages/contracts/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ regex: "^(?!zod$|zod/|\\./|\\.\\./).*", message: "packages/contracts may import only zod." }],
      }],
    },
  },
);
