"use strict";
const fs = require("node:fs");
const path = require("node:path");

const EMPTY = { nextId: 1, items: [] };

function load(file) {
  if (!fs.existsSync(file)) return EMPTY;
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Written whole to a temp file, then renamed: a crash never leaves half a file. */
function save(file, db) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(db, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

module.exports = { load, save };
