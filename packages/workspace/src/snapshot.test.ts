import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { ArchiveError } from "./errors.js";
import { restore } from "./restore.js";
import { snapshot } from "./snapshot.js";
import { useTempDirs } from "./test-support.js";
import { treeDigest } from "./tree.js";

const temp = useTempDirs();

function write(root: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), c);
  }
}

async function rawTar(entries: (Partial<tar.Header> & { name: string; body?: string })[]): Promise<Uint8Array> {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => { for await (const c of p) chunks.push(c as Buffer); })();
  for (const { body, ...h } of entries) {
    await new Promise<void>((res, rej) => p.entry(h, body ?? "", (err) => (err ? rej(err) : res())));
  }
  p.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

describe("snapshot / restore - artifacts", () => {
  it("a tree of 10k files restores into an empty directory with the same digest", async () => {
    const root = temp.make();
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(root, `dir${d}`, "sub"), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(root, `dir${d}`, f % 2 ? "sub" : "", `file${f}.txt`), `content ${d}/${f}\n`);
    }
    chmodSync(join(root, "dir0", "file0.txt"), 0o755);
    const snap = await snapshot(root);
    expect(snap.files).toHaveLength(10_000);
    const target = join(temp.make(), "restored");
    const restored = await restore(snap.bytes, target);
    expect(restored.digest).toBe(snap.digest);
    expect(restored.files).toEqual(snap.files);
    expect(await treeDigest(target)).toBe(snap.digest);
    expect(statSync(join(target, "dir0", "file0.txt")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(target, "dir42", "sub", "file7.txt"), "utf8")).toBe("content 42/7\n");
  }, 20_000);

  it("identical trees give identical digests and identical bytes whatever their mtimes", async () => {
    const files = { "a.txt": "a\n", "src/b.ts": "export {};\n", "src/empty/.keep": "" };
    const [one, two] = [temp.make(), temp.make()];
    write(one, files);
    write(two, files);
    utimesSync(join(two, "a.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const [s1, s2] = [await snapshot(one), await snapshot(two)];
    expect(s1.digest).toBe(s2.digest);
    expect(Buffer.from(s1.bytes).equals(Buffer.from(s2.bytes))).toBe(true);
    writeFileSync(join(two, "a.txt"), "changed\n");
    expect(await treeDigest(two)).not.toBe(s1.digest);
    write(two, { "a.txt": "a\n" });
    chmodSync(join(two, "a.txt"), 0o755);
    expect(await treeDigest(two)).not.toBe(s1.digest);
  });

  it("leaves node_modules and caches out at any depth, and carries .git without digesting it", async () => {
    const root = temp.make();
    write(root, {
      "package.json": "{}",
      "node_modules/dep/index.js": "x",
      "packages/web/node_modules/dep/index.js": "x",
      ".cache/x": "x",
      ".git/HEAD": "ref: refs/heads/main\n",
    });
    const snap = await snapshot(root);
    expect(snap.files).toEqual(["package.json"]);
    const target = temp.make();
    await restore(snap.bytes, target);
    expect(existsSync(join(target, "node_modules"))).toBe(false);
    expect(existsSync(join(target, "packages/web/node_modules"))).toBe(false);
    expect(readFileSync(join(target, ".git/HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    write(root, { ".git/HEAD": "ref: refs/heads/other\n" });
    expect(await treeDigest(root)).toBe(snap.digest);
  });

  it("restore can leave .git out, writing the same product with the same digest, and still refuses a hostile .git entry", async () => {
    const root = temp.make();
    write(root, { "src/app.js": "run()\n", ".git/HEAD": "ref: refs/heads/main\n", ".git/objects/ab/cdef": "blob", "vendor/lib/.git/config": "[core]\n" });
    const snap = await snapshot(root);
    const full = temp.make();
    const product = temp.make();
    const whole = await restore(snap.bytes, full);
    const lean = await restore(snap.bytes, product, { skipGit: true });
    expect(lean).toEqual(whole);
    expect(lean.digest).toBe(snap.digest);
    expect(readFileSync(join(product, "src/app.js"), "utf8")).toBe("run()\n");
    expect(readdirSync(product).sort()).toEqual(["src", "vendor"]);
    expect(readdirSync(join(product, "vendor/lib"))).toEqual([]);
    expect(existsSync(join(full, ".git/objects/ab/cdef"))).toBe(true);

    // Left out, not trusted: a .git entry that escapes, or a link out, refuses the whole archive.
    const outside = temp.make();
    for (const entries of [
      [{ name: "ok.txt", body: "ok" }, { name: `.git/../../${outside.split("/").pop()}/evil`, body: "x" }],
      [{ name: "ok.txt", body: "ok" }, { name: ".git/hooks", type: "symlink" as const, linkname: outside }],
    ]) {
      const target = temp.make();
      await expect(restore(await rawTar(entries), target, { skipGit: true })).rejects.toBeInstanceOf(ArchiveError);
      expect(readdirSync(target)).toEqual([]);
    }
    expect(readdirSync(outside)).toEqual([]);
  });

  it("keeps symlinks inside the workspace and skips ones pointing outside", async () => {
    const root = temp.make();
    write(root, { "src/a.txt": "a" });
    symlinkSync("src/a.txt", join(root, "inside"));
    symlinkSync("/etc/passwd", join(root, "outside"));
    const snap = await snapshot(root);
    expect(snap.skipped).toEqual(["outside"]);
    const target = temp.make();
    const restored = await restore(snap.bytes, target);
    expect(restored.digest).toBe(snap.digest);
    expect(readlinkSync(join(target, "inside"))).toBe("src/a.txt");
    expect(existsSync(join(target, "outside"))).toBe(false);
  });

  it("links that reach each other inside the workspace are kept, and a chain leading out is left out of the snapshot", async () => {
    const root = temp.make();
    write(root, { "src/a.txt": "a", "docs/x.md": "x" });
    symlinkSync("src", join(root, "code"));
    symlinkSync("code/a.txt", join(root, "a-link"));
    symlinkSync("..", join(root, "docs", "up"));
    symlinkSync("docs/up/..", join(root, "esc"));
    const snap = await snapshot(root);
    expect(snap.files).toEqual(["a-link", "code", "docs/up", "docs/x.md", "src/a.txt"]);
    expect(snap.skipped).toEqual(["esc"]);
    const target = temp.make();
    await restore(snap.bytes, target);
    expect(readFileSync(join(target, "a-link"), "utf8")).toBe("a");
  });

  it("restore refuses links that would take far more work to follow than their length explains, even ones that stay inside", async () => {
    // `a` enters 100 levels and `u` inside comes back out: each `a/u/` costs a hundred steps
    // for two names (the OS gives up after 40 links in one lookup anyway).
    const dir = Array.from({ length: 100 }, () => "x").join("/");
    const links = Array.from({ length: 20 }, (_, i) => ({ name: `l${i}`, type: "symlink" as const, linkname: `${"a/u/".repeat(500)}f${i}` }));
    const archive = await rawTar([
      { name: `${dir}/f.txt`, body: "x" },
      { name: "a", type: "symlink", linkname: dir },
      { name: `${dir}/u`, type: "symlink", linkname: "../".repeat(100).slice(0, -1) },
      ...links,
    ]);
    const target = temp.make();
    await expect(restore(archive, target)).rejects.toThrow(/too much work to follow/);
    expect(readdirSync(target)).toEqual([]);
  });

  it("deep ordinary links and a chain of 40 links are kept; the 41st link of a chain is not", async () => {
    const root = temp.make();
    const deep = Array.from({ length: 60 }, (_, i) => `dddd${i}`).join("/");
    write(root, { [`${deep}/f`]: "deep" });
    symlinkSync("f", join(root, deep, "self"));
    symlinkSync(`${deep}/self`, join(root, "shortcut"));
    write(root, { "end.txt": "end" });
    // c0 -> c1 -> ... -> c40 -> end.txt: c0 needs 41 links, c1 exactly 40.
    for (let i = 0; i <= 40; i++) symlinkSync(i === 40 ? "end.txt" : `c${i + 1}`, join(root, `c${i}`));
    // Deeper than restore accepts: left out, not archived for restore to refuse.
    const tooDeep = Array.from({ length: 130 }, () => "z").join("/");
    write(root, { [`${tooDeep}.txt`]: "z" });
    const snap = await snapshot(root);
    expect(snap.skipped).toEqual([`${Array.from({ length: 128 }, () => "z").join("/")}/z`, "c0"]);
    const target = temp.make();
    await restore(await rawTar([{ name: "end.txt", body: "end" }, ...Array.from({ length: 40 }, (_, i) => ({ name: `c${i + 1}`, type: "symlink" as const, linkname: i + 1 === 40 ? "end.txt" : `c${i + 2}` }))]), target);
    expect(readFileSync(join(target, "c1"), "utf8")).toBe("end");
    expect(readFileSync(join(root, "shortcut"), "utf8")).toBe("deep");
    expect(() => readFileSync(join(root, "c0"))).toThrow(/ELOOP/);
    expect(readFileSync(join(root, "c1"), "utf8")).toBe("end");
    expect(snap.files).toContain("shortcut");
  });

  it("every link a lookup follows counts toward Linux's 40, in whatever order the archive lists them", async () => {
    const chain = Array.from({ length: 50 }, (_, i) => ({ name: `l${i}`, type: "symlink" as const, linkname: i === 49 ? "f.txt" : `l${i + 1}` }));
    const cases: [string, Parameters<typeof rawTar>[0]][] = [
      ["a chain of 50, its end first", [{ name: "f.txt", body: "f" }, ...chain.reverse()]],
      ["one link followed 50 times in a path", [{ name: "f.txt", body: "f" }, { name: "a", type: "symlink", linkname: "." }, { name: "b", type: "symlink", linkname: `${"a/".repeat(50)}f.txt` }]],
      ["links that double at every level", [
        { name: "f.txt", body: "f" }, { name: "e0", type: "symlink", linkname: "." },
        // Each e(i+1) is ten e(i) in a row, all leading back to the root: 11, 111, 1111... links.
        ...Array.from({ length: 11 }, (_, i) => ({ name: `e${i + 1}`, type: "symlink" as const, linkname: Array.from({ length: 10 }, () => `e${i}`).join("/") })),
      ]],
    ];
    for (const [label, entries] of cases) {
      const target = temp.make();
      await expect(restore(await rawTar(entries), target), label).rejects.toThrow(/leads outside the directory through other links, loops/);
      expect(readdirSync(target), label).toEqual([]);
    }
    // The same chain on disk, named so that its end sorts first: the links past 40 are left out.
    const root = temp.make();
    write(root, { "f.txt": "f" });
    for (let i = 0; i < 50; i++) symlinkSync(i === 0 ? "f.txt" : `l${String(i - 1).padStart(2, "0")}`, join(root, `l${String(i).padStart(2, "0")}`));
    const snap = await snapshot(root);
    expect(snap.skipped).toEqual(Array.from({ length: 10 }, (_, i) => `l${40 + i}`));
    expect(() => readFileSync(join(root, "l40"))).toThrow(/ELOOP/);
    expect(readFileSync(join(root, "l39"), "utf8")).toBe("f");
  });

  it("restores what GNU tar writes for a directory, `./` names and record padding included", async () => {
    const root = temp.make();
    write(root, { [`${"long-directory-name-".repeat(6)}/${"f".repeat(120)}.txt`]: "long", "a.txt": "a" });
    symlinkSync("a.txt", join(root, "link"));
    for (const format of ["gnu", "posix"]) {
      const archive = execFileSync("tar", [`--format=${format}`, "-cf", "-", "-C", root, "."]);
      const target = temp.make();
      await restore(archive, target);
      expect(readFileSync(join(target, "link"), "utf8"), format).toBe("a");
      expect(readFileSync(join(target, `${"long-directory-name-".repeat(6)}/${"f".repeat(120)}.txt`), "utf8"), format).toBe("long");
    }
    // A few stray zero bytes after the end, not whole blocks, as GNU tar itself accepts.
    const stray = Buffer.concat([execFileSync("tar", ["-cf", "-", "-C", root, "a.txt"]), Buffer.alloc(7)]);
    const strayTarget = temp.make();
    await restore(stray, strayTarget);
    expect(readFileSync(join(strayTarget, "a.txt"), "utf8")).toBe("a");
    const padded = Buffer.concat([execFileSync("tar", ["-cf", "-", "-C", root, "a.txt"]), Buffer.alloc(1 << 20)]);
    await expect(restore(padded, temp.make())).rejects.toThrow(/data after its end/);
  });

  it("a large tree of ordinary links all pointing up into one store is kept whole", async () => {
    const root = temp.make();
    const names = Array.from({ length: 3_000 }, (_, i) => `photos/album-${i % 30}/img${i}.jpg`);
    for (const [i, name] of names.entries()) {
      mkdirSync(join(root, name, ".."), { recursive: true });
      mkdirSync(join(root, "store", `k${i}`), { recursive: true });
      writeFileSync(join(root, "store", `k${i}`, "data"), String(i));
      symlinkSync(`../../store/k${i}/data`, join(root, name));
    }
    const snap = await snapshot(root);
    expect(snap.skipped).toEqual([]);
    const target = temp.make();
    await restore(snap.bytes, target);
    expect(readFileSync(join(target, "photos", "album-7", "img2707.jpg"), "utf8")).toBe("2707");
  });

  it("restore refuses what is not a tar, names the file system cannot hold and archives over maxBytes, all as ArchiveError", async () => {
    const cases: [string, () => Promise<Uint8Array>, RegExp, number?][] = [
      ["not a tar", async () => gzipSync(Buffer.from("just some text, not an archive at all ".repeat(20))), /cut off|not a readable tar/],
      ["zeros after garbage", async () => gzipSync(Buffer.concat([Buffer.from("garbage ".repeat(100)), Buffer.alloc(1024)])), /cut off|not a readable tar/],
      ["a header whose checksum is wrong", async () => { const t = gunzipSync(await rawTar([{ name: "a.txt", body: "a" }])); t[0] = "b".charCodeAt(0); return t; }, /not a readable tar/],
      ["a tar cut right after a file that ends in zeros", async () => {
        const t = gunzipSync(await rawTar([{ name: "data.db", body: `${"d".repeat(100)}${"\0".repeat(2048)}` }, { name: "zz.txt", body: "z" }]));
        return t.subarray(0, 512 + Math.ceil(2148 / 512) * 512);
      }, /cut off/],
      ["two tars end to end", async () => Buffer.concat([gunzipSync(await rawTar([{ name: "a.txt", body: "a" }])), gunzipSync(await rawTar([{ name: "b.txt", body: "b" }]))]), /data after its end/],
      ["a name over 255 bytes", () => rawTar([{ name: `${"n".repeat(300)}.txt`, body: "x" }]), /too long for the file system/],
      ["a link target over 4 KB", () => rawTar([{ name: "l", type: "symlink", linkname: "a/".repeat(2100) }]), /too long for the file system/],
      ["an uncompressed tar over maxBytes", async () => gunzipSync(await rawTar([{ name: "big.txt", body: "x".repeat(5000) }])), /more than the 1000 bytes/, 1000],
      ["a gzipped tar that unpacks past the limit", () => rawTar([{ name: "big.txt", body: "x".repeat(50_000) }]), /unpacks to a tar stream over 2000 bytes/, 1000],
      ["a tar cut off inside a file", async () => gzipSync(gunzipSync(await rawTar([{ name: "a.txt", body: "y".repeat(3000) }])).subarray(0, 1500)), /cut off|not a readable tar/],
      ["a file's body cut short, zeros after it", async () => gzipSync(Buffer.concat([gunzipSync(await rawTar([{ name: "a.txt", body: "y".repeat(3000) }])).subarray(0, 1000), Buffer.alloc(1024)])), /cut off/],
      ["a tar cut off between two entries", async () => gzipSync(gunzipSync(await rawTar([{ name: "a.txt", body: "a" }, { name: "b.txt", body: "b" }])).subarray(0, 1024)), /cut off/],
      ["no bytes at all", async () => new Uint8Array(0), /cut off/],
      ["a name 200 levels deep", () => rawTar([{ name: `${"d/".repeat(200)}f.txt`, body: "x" }]), /levels deep/],
    ];
    for (const [label, archive, message, maxBytes] of cases) {
      const target = temp.make();
      const err = await restore(await archive(), target, maxBytes === undefined ? {} : { maxBytes }).catch((e: unknown) => e);
      expect(err, label).toBeInstanceOf(ArchiveError);
      expect((err as Error).message, label).toMatch(message);
      expect(readdirSync(target), label).toEqual([]);
    }
  });

  it("restore refuses a directory that is not empty", async () => {
    const root = temp.make();
    write(root, { "a.txt": "a" });
    const snap = await snapshot(root);
    await expect(restore(snap.bytes, root)).rejects.toThrow(/needs an empty directory/);
  });

  it("restore refuses entries escaping the directory and leaves nothing behind", async () => {
    const outside = temp.make();
    const cases: [string, Parameters<typeof rawTar>[0], RegExp][] = [
      ["dot-dot", [{ name: "ok.txt", body: "ok" }, { name: `../${outside.split("/").pop()}/evil.txt`, body: "x" }], /escapes the directory/],
      ["absolute", [{ name: `${outside}/evil.txt`, body: "x" }], /absolute path/],
      ["symlink out", [{ name: "link", type: "symlink", linkname: outside }], /symlink pointing outside/],
      ["relative symlink out", [{ name: "a/link", type: "symlink", linkname: "../../x" }], /symlink pointing outside/],
      ["write through symlink", [{ name: "dir", type: "directory" }, { name: "link", type: "symlink", linkname: "dir" }, { name: "link/evil.txt", body: "x" }], /through the symlink 'link'/],
      ["symlink over a used directory", [{ name: "d/f.txt", body: "x" }, { name: "d", type: "symlink", linkname: "e" }], /symlink over a directory/],
      ["links that lead out through each other", [{ name: "a", type: "directory" }, { name: "a/up", type: "symlink", linkname: ".." }, { name: "esc", type: "symlink", linkname: "a/up/.." }], /leads outside the directory through other links/],
      ["the same, the outer link first", [{ name: "esc", type: "symlink", linkname: "a/up/.." }, { name: "a/up", type: "symlink", linkname: ".." }], /leads outside/],
      ["a file, then a file under it", [{ name: "a", body: "x" }, { name: "a/b", body: "y" }], /clashes with an earlier entry/],
      ["a file under a directory, then a file of the directory's name", [{ name: "a/b", body: "y" }, { name: "a", body: "z" }], /clashes with an earlier entry/],
            ["a loop of links", [{ name: "x", type: "symlink", linkname: "y" }, { name: "y", type: "symlink", linkname: "x" }], /leads outside/],
      ["hard link", [{ name: "ok.txt", body: "ok" }, { name: "hard", type: "link", linkname: "/etc/passwd" }], /unsupported type link/],
      ["duplicate", [{ name: "a.txt", body: "1" }, { name: "a.txt", body: "2" }], /appears twice/],
    ];
    for (const [label, entries, message] of cases) {
      const target = temp.make();
      await expect(restore(await rawTar(entries), target), label).rejects.toThrow(message);
      await expect(restore(await rawTar(entries), temp.make()), label).rejects.toBeInstanceOf(ArchiveError);
      expect(existsSync(join(outside, "evil.txt")), label).toBe(false);
      expect(readdirSync(target), label).toEqual([]);
    }
  });

  it("restore reports the digest of the tree it wrote, directories implied by file paths included", async () => {
    // Written by some other tool: no directory entries, an executable, a link, and a .git file.
    const bytes = await rawTar([
      { name: "src/deep/a.ts", body: "export {};\n" },
      { name: "bin/run.sh", body: "#!/bin/sh\n", mode: 0o700 },
      { name: "latest", type: "symlink", linkname: "src/deep/a.ts" },
      { name: ".git/HEAD", body: "ref: refs/heads/main\n" },
    ]);
    const target = temp.make();
    const restored = await restore(bytes, target);
    expect(restored.digest).toBe(await treeDigest(target, { exclude: [] }));
    expect(restored.files).toEqual(["bin/run.sh", "latest", "src/deep/a.ts"]);
    expect(statSync(join(target, "bin", "run.sh")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(target, "latest"))).toBe("src/deep/a.ts");
  });

  it("restore checks an expected digest when given one", async () => {
    const root = temp.make();
    write(root, { "a.txt": "a" });
    const snap = await snapshot(root);
    const target = temp.make();
    await expect(restore(snap.bytes, target, { expectedDigest: "0".repeat(64) })).rejects.toThrow(/expected 0000/);
    expect(existsSync(join(target, "a.txt"))).toBe(false);
    expect((await restore(snap.bytes, target, { expectedDigest: snap.digest })).digest).toBe(snap.digest);
  });
});
