export { startLocalStack, StackError } from "./local-stack.js";
export { launchService, stopService, REPO_ROOT } from "./launcher.js";
export { demoScript } from "./demo/script.js";
export { followRun } from "./follow.js";
export type { LocalStack, LocalStackOptions } from "./local-stack.js";
export type { ServiceName, ServiceProc, LaunchOptions } from "./launcher.js";
