"use strict";
/** The list logic, kept free of I/O so the app's own tests can exercise it directly. */
class BookmarkError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function validUrl(url) {
  if (typeof url !== "string") return false;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch { return false; }
}

function addBookmark(db, input) {
  const title = typeof input.title === "string" ? input.title.trim() : "";
  if (!title) throw new BookmarkError(400, "title is required");
  if (!validUrl(input.url)) throw new BookmarkError(400, "url must be an http(s) address");
  const bookmark = { id: db.nextId, title, url: input.url };
  return { db: { nextId: db.nextId + 1, items: [...db.items, bookmark] }, bookmark };
}

function findBookmark(db, id) {
  return db.items.find((b) => b.id === id);
}

function removeBookmark(db, id) {
  if (!findBookmark(db, id)) throw new BookmarkError(404, "no such bookmark");
  return { ...db, items: db.items.filter((b) => b.id !== id) };
}

/** Case-insensitive match on title or url. */
function search(items, query) {
  const q = (query || "").trim().toLowerCase();
  if (!q) return items;
  return items.filter((b) => b.title.toLowerCase().includes(q) || b.url.toLowerCase().includes(q));
}

module.exports = { BookmarkError, validUrl, addBookmark, findBookmark, removeBookmark, search };
