import { describe, expect, it } from "vitest";
import { analyseCommand } from "./command-rules.js";

/** [command, programs that run the product or its tests, whether a product failure shows in the exit status] */
const TABLE: Array<[string, string[], boolean]> = [
  ["node test.js", ["node test.js"], true],
  ["cd app && npm ci && npm test", ["npm test"], true],
  ["node test.js || true", ["node test.js"], false],
  ["node test.js; echo done", ["node test.js"], false],
  ["node test.js && echo done", ["node test.js"], true],
  ["npm test | tail -5", ["npm test"], false],
  ["set -o pipefail; npm test | tail -5", ["npm test"], true],
  ["set -e; node seed.js; echo seeded; node check.js", ["node seed.js", "node check.js"], true],
  ["! node test.js", ["node test.js"], false],
  ["sh -c 'node test.js'", ["node test.js"], true],
  ["bash -c \"true\"", [], false],
  ["(cd app && node cli.js list)", ["node cli.js"], true],
  ["{ node a.js; node b.js; }", ["node a.js", "node b.js"], true],
  ["echo \"$(node cli.js add 2 3)\"", ["node cli.js"], false],
  ["node server.js & sleep 1 && curl -s localhost:3000/api/notes", ["node server.js", "curl"], true],
  ["env DEBUG=1 timeout 10 python3 main.py --help", ["python3 main.py"], true],
  ["python3 -c \"import json; print(json.dumps({'a': 1}))\"", [], false],
  ["python3 -c \"from calc import add; print(add(2, 3))\"", ["python3 -c"], true],
  ["node -e \"console.log(require('fs').readFileSync('lib.js', 'utf8'))\"", [], false],
  ["node -e \"import('./src/slug.js').then((m) => console.log(m.slugify('A B')))\"", ["node -e"], true],
  ["npx vitest run", ["vitest"], true],
  ["./node_modules/.bin/jest --ci", ["jest"], true],
  ["./calc add 2 3", ["./calc"], true],
  ["cat <<'EOF'\nall tests passed\nEOF", [], false],
  ["if node test.js; then echo ok; fi", ["node test.js"], false],
  ["node -pe \"require('./lib.js').add(2, 3)\"", ["node -pe"], true],
  ["bash -ec 'node cli.js add 2 3'", ["node cli.js"], true],
  ["node -e \"console.log(require('./package.json').name)\"", [], false],
  ["npm run env", [], false],
  ["find . -maxdepth 0 -exec node cli.js add 2 3 \\;", ["node cli.js"], true],
];

describe("review rules read a command as shell", () => {
  for (const [command, runs, status] of TABLE) {
    it(`${JSON.stringify(command)}: runs ${runs.join(", ") || "nothing of the product"}; its status ${status ? "shows" : "hides"} a product failure`, () => {
      const a = analyseCommand(command);
      expect(a.programs.filter((p) => p.role === "product" || p.role === "tests").map((p) => p.name)).toEqual(runs);
      expect(a.statusFromProduct).toBe(status);
    });
  }

  it("names the programs of the product whose failure the status hides", () => {
    expect(analyseCommand("node test.js; node -e \"require('./lib.js')\"").hidden).toEqual(["node test.js"]);
    expect(analyseCommand("node gen.js | node check.js").hidden).toEqual(["node gen.js"]);
    expect(analyseCommand("set -o pipefail; node gen.js | node check.js").hidden).toEqual([]);
    expect(analyseCommand("set -e; node seed.js; node check.js").hidden).toEqual([]);
    expect(analyseCommand("node server.js & sleep 1 && curl -s localhost:3000/").hidden).toEqual([]);
    expect(analyseCommand("node a.js && node b.js || node c.js").hidden).toEqual(["node a.js", "node b.js"]);
  });

  it("collects the text a command prints from its own literals", () => {
    expect(analyseCommand("node lib.js && echo -n sum=5").literal).toEqual(["sum=5"]);
    expect(analyseCommand("node lib.js\ncat <<EOF\n3 passing\nEOF").literal).toEqual(["3 passing"]);
    expect(analyseCommand("set -x; node cli.js add 2 3").literal).toEqual(["set -x; node cli.js add 2 3"]);
  });

  it("marks text computed from the command's own words, unless it only feeds the product", () => {
    expect(analyseCommand("node lib.js && printf 'sum=%d' 5").computed).toBe(true);
    expect(analyseCommand("node lib.js && echo \"sum=$((2+3))\"").computed).toBe(true);
    expect(analyseCommand("node lib.js && awk 'BEGIN { print 5 }'").computed).toBe(true);
    expect(analyseCommand("node lib.js && echo c3VtPTU= | base64 -d").computed).toBe(true);
    expect(analyseCommand("node lib.js && echo sum=5").computed).toBe(false);
    expect(analyseCommand("printf '%s\\n' 2 3 | node cli.js sum").computed).toBe(false);
  });
});
