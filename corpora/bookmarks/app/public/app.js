"use strict";
let bookmarks = [];

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data && data.error ? data.error : `HTTP ${res.status}`);
  return data;
}

function visible() {
  const q = document.getElementById("filter").value.trim().toLowerCase();
  if (!q) return bookmarks;
  return bookmarks.filter((b) => b.title.toLowerCase().includes(q) || b.url.toLowerCase().includes(q));
}

function render() {
  const list = document.getElementById("list");
  list.replaceChildren();
  const shown = visible();
  for (const b of shown) {
    const li = document.createElement("li");
    li.className = "bookmark";
    li.dataset.id = String(b.id);
    const a = document.createElement("a");
    a.href = b.url;
    a.className = "title";
    a.textContent = b.title;
    const del = document.createElement("button");
    del.className = "delete";
    del.textContent = "Delete";
    del.addEventListener("click", () => remove(b.id));
    li.append(a, del);
    list.append(li);
  }
  document.getElementById("count").textContent = `${shown.length} bookmark${shown.length === 1 ? "" : "s"}`;
}

function showError(message) {
  const el = document.getElementById("error");
  el.textContent = message;
  el.hidden = !message;
}

async function save(event) {
  event.preventDefault();
  const title = document.getElementById("title").value;
  const url = document.getElementById("url").value;
  try {
    const bookmark = await api("POST", "/api/bookmarks", { title, url });
    bookmarks.push(bookmark);
    document.getElementById("title").value = "";
    document.getElementById("url").value = "";
    showError("");
    render();
  } catch (err) {
    showError(err.message);
  }
}

async function remove(id) {
  await api("DELETE", `/api/bookmarks/${id}`);
  bookmarks = bookmarks.filter((b) => b.id !== id);
  render();
}

document.getElementById("add-form").addEventListener("submit", save);
document.getElementById("filter").addEventListener("input", render);
api("GET", "/api/bookmarks").then((list) => { bookmarks = list; render(); }, (err) => showError(err.message));
