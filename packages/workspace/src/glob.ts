/**
 * A small glob matcher (`*`, `**`, `?`, `[...]`, `{a,b}`), because node:path's matchesGlob is
 * still experimental on Node 20. A pattern without a slash matches the file name at any depth,
 * as in .gitignore, so `*.ts` finds every TypeScript file.
 */
export function globMatcher(pattern: string): (relPath: string) => boolean {
  const anchored = pattern.includes("/");
  const source = pattern.replace(/^\.\//, "").replace(/^\//, "");
  const re = new RegExp(`^${toRegExpSource(source)}$`);
  return (relPath) => re.test(anchored ? relPath : relPath.slice(relPath.lastIndexOf("/") + 1));
}

function toRegExpSource(glob: string): string {
  let out = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slashAfter = glob[i + 2] === "/";
        // `**/` may match zero directories, so `src/**/x` also matches `src/x`.
        out += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close === -1) { out += "\\["; continue; }
      const body = glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\");
      out += `[${body}]`;
      i = close;
    } else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) {
      out += "|";
    } else {
      out += c.replace(/[.+^$()|\\\]{}]/g, "\\$&");
    }
  }
  return out + ")".repeat(braces);
}
