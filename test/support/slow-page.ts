import type { ProductSpec, SprintContract } from "@harness/contracts";
import type { Script } from "@harness/scripted-model";

/**
 * A scripted one-sprint web app whose browser check takes a while (a 6 s wait before the final
 * assertion), for stopping an evaluator in the middle of it. The app notes every page visit in
 * `visits` (a path outside the product), so a test sees when a browser check is under way.
 */
export const SLOW_PAGE_SPEC: ProductSpec = {
  title: "Slow Notes", overview: "A notes page that is slow to settle.", targetUsers: ["people who take notes"],
  features: [{ id: "F1", title: "Add notes", userStory: "As a user I add a note from the page and see it listed", acceptanceCriteria: [{ id: "F1.1", text: "a note added with the form is listed" }] }],
  sprints: [{ number: 1, goal: "the notes page", featureIds: ["F1"] }],
};

export const SLOW_PAGE_CONTRACT: SprintContract = {
  sprint: 1, summary: "the notes page", app: { startCommand: "node server.js", port: 3000, readinessPath: "/api/health", readinessTimeoutMs: 20_000 },
  deliverables: [{ id: "D1", description: "a page with a form that adds a note to the list", featureIds: ["F1"] }],
  checks: [{
    id: "add-note", kind: "browser", description: "a note added with the form is listed, and still after a while", deliverableIds: ["D1"], criterionIds: ["F1.1"],
    steps: [
      { action: "goto", path: "/" }, { action: "fill", selector: "#note", value: "Water the plants" }, { action: "click", selector: "#add" },
      { action: "expectText", selector: "#notes li", text: "Water the plants", exact: false }, { action: "wait", ms: 6_000 },
      { action: "reload" }, { action: "expectText", selector: "#notes li", text: "Water the plants", exact: false },
    ],
  }],
};

function server(visits: string): string {
  return `const http = require("node:http");
const fs = require("node:fs");
const notes = [];
const PAGE = '<!doctype html><form id="f"><input id="note"><button id="add">Add</button></form><ul id="notes"></ul><script>' +
  'async function show(){const r=await fetch("/api/notes");document.getElementById("notes").innerHTML=(await r.json()).map(n=>"<li>"+n.text+"</li>").join("")}' +
  'document.getElementById("f").onsubmit=async(e)=>{e.preventDefault();await fetch("/api/notes",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({text:document.getElementById("note").value})});show()};show()</script>';
http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => { body += c; });
  req.on("end", () => {
    if (req.url === "/api/health") { res.writeHead(200); return res.end("ok"); }
    if (req.url === "/api/notes" && req.method === "POST") { notes.push({ text: JSON.parse(body).text }); res.writeHead(201, { "content-type": "application/json" }); return res.end("{}"); }
    if (req.url === "/api/notes") { res.writeHead(200, { "content-type": "application/json" }); return res.end(JSON.stringify(notes)); }
    fs.appendFileSync(${JSON.stringify(visits)}, req.url + "\\n");
    res.writeHead(200, { "content-type": "text/html" });
    res.end(PAGE);
  });
}).listen(Number(process.env.PORT), "127.0.0.1");
`;
}

export function slowPageScript(visits: string): Script {
  return [
    { name: "plan", match: { role: "planner" }, reply: { toolUse: [{ name: "submit_spec", input: SLOW_PAGE_SPEC }] } },
    { name: "contract", match: { role: "generator", toolChoice: "propose_contract" }, reply: { toolUse: [{ name: "propose_contract", input: SLOW_PAGE_CONTRACT }] } },
    { name: "review", match: { role: "evaluator", toolChoice: "submit_review" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "the check drives the form and reads the list" } }] } },
    {
      name: "build", match: { role: "generator", hasTool: "write_file" },
      reply: (req) => (req.turn === 0 ? { toolUse: [{ name: "write_file", input: { path: "server.js", content: server(visits) } }] } : { text: "Wrote server.js: the page, its form and the notes API." }),
    },
  ];
}
