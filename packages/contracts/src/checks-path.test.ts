import { describe, expect, it } from "vitest";
import { BrowserCheck, HttpCheck } from "./index.js";

const http = (path: string, then: Array<{ path: string }> = []) => HttpCheck.safeParse({
  id: "c", kind: "http", description: "d", path, expectStatus: 200, then: then.map((t) => ({ ...t, expectStatus: 200 })),
});

describe("check paths are origin-relative", () => {
  it("refuses a protocol-relative or backslash path in any request of an http check, naming the field and the rule", () => {
    for (const bad of ["//evil.com/x", "/\\evil.com/x", "http://evil.com/", "api/items"]) {
      const r = http(bad);
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(["path"]);
      expect(r.error?.issues[0]?.message).toMatch(/origin-relative path .*starts with a single \//);
    }
    const later = http("/api/items", [{ path: "//evil.com/x" }]);
    expect(later.success).toBe(false);
    expect(later.error?.issues[0]?.path).toEqual(["then", 0, "path"]);
  });

  it("refuses the same in a browser goto and still accepts ordinary paths with queries and captures", () => {
    const goto = (path: string) => BrowserCheck.safeParse({ id: "b", kind: "browser", description: "d", steps: [{ action: "goto", path }] });
    expect(goto("//evil.com/").success).toBe(false);
    expect(goto("/\\evil.com/").success).toBe(false);
    for (const ok of ["/", "/api/items?q=a//b", "/api/items/{{id}}", "/a/\\b"]) {
      expect(http(ok).success, ok).toBe(true);
      expect(goto(ok).success, ok).toBe(true);
    }
  });
});
