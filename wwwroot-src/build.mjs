// Copies vendored packages and the site's own CSS/JS into Image2Model.Site/wwwroot.
// The output is committed so `dotnet run` needs no Node; rerun after changing anything here.
// `node build.mjs --out DIR` writes elsewhere: the tests rebuild into a temp folder and compare.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf("--out");
const out = outFlag > 0 ? resolve(process.argv[outFlag + 1]) : join(here, "..", "Image2Model.Site", "wwwroot");

const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "lib/htmx/htmx.min.js"],
  ["node_modules/htmx.org/LICENSE", "lib/htmx/LICENSE"],
  ["node_modules/@google/model-viewer/dist/model-viewer.min.js", "lib/model-viewer/model-viewer.min.js"],
  ["node_modules/@google/model-viewer/LICENSE", "lib/model-viewer/LICENSE"],
  ["css/site.css", "css/site.css"],
  ["js/site.js", "js/site.js"],
  ["favicon.svg", "favicon.svg"],
];

rmSync(out, { recursive: true, force: true });
for (const [from, to] of files) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(join(here, from), join(out, to));
}
console.log(`wrote ${files.length} files to ${out}`);
