"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { addBookmark, removeBookmark, search, validUrl } = require("./lib/bookmarks.js");

const empty = { nextId: 1, items: [] };

test("adds a bookmark with the next id", () => {
  const { db, bookmark } = addBookmark(empty, { title: " Docs ", url: "https://example.com/docs" });
  assert.deepEqual(bookmark, { id: 1, title: "Docs", url: "https://example.com/docs" });
  assert.equal(db.nextId, 2);
  assert.equal(db.items.length, 1);
});

test("refuses a missing title and a non-http url", () => {
  assert.throws(() => addBookmark(empty, { title: "  ", url: "https://a.b" }), /title is required/);
  assert.throws(() => addBookmark(empty, { title: "x", url: "javascript:alert(1)" }), /url must be/);
  assert.equal(validUrl("not a url"), false);
});

test("removes only the bookmark asked for", () => {
  let { db } = addBookmark(empty, { title: "a", url: "https://a.example" });
  ({ db } = addBookmark(db, { title: "b", url: "https://b.example" }));
  const after = removeBookmark(db, 1);
  assert.deepEqual(after.items.map((b) => b.title), ["b"]);
  assert.throws(() => removeBookmark(after, 1), /no such bookmark/);
});

test("searches title and url, ignoring case", () => {
  const items = [{ id: 1, title: "Node Docs", url: "https://nodejs.org" }, { id: 2, title: "Cats", url: "https://cats.example" }];
  assert.deepEqual(search(items, "node").map((b) => b.id), [1]);
  assert.deepEqual(search(items, "CATS").map((b) => b.id), [2]);
  assert.equal(search(items, "").length, 2);
});
