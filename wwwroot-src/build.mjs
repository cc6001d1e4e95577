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
  // The decoders model-viewer loads for compressed GLBs (js/model-viewer-decoders.js points it here).
  // Draco and Basis come from the three.js that model-viewer itself is built on.
  ["node_modules/three/examples/jsm/libs/draco/gltf/draco_decoder.wasm", "lib/draco/draco_decoder.wasm"],
  ["node_modules/three/examples/jsm/libs/draco/gltf/draco_wasm_wrapper.js", "lib/draco/draco_wasm_wrapper.js"],
  ["node_modules/three/examples/jsm/libs/basis/basis_transcoder.js", "lib/basis/basis_transcoder.js"],
  ["node_modules/three/examples/jsm/libs/basis/basis_transcoder.wasm", "lib/basis/basis_transcoder.wasm"],
  ["node_modules/three/LICENSE", "lib/three/LICENSE"],
  ["node_modules/meshoptimizer/meshopt_decoder.cjs", "lib/meshoptimizer/meshopt_decoder.js"],
  ["node_modules/meshoptimizer/LICENSE.md", "lib/meshoptimizer/LICENSE.md"],
  ["css/site.css", "css/site.css"],
  ["js/site.js", "js/site.js"],
  ["js/model-viewer-decoders.js", "js/model-viewer-decoders.js"],
  ["favicon.svg", "favicon.svg"],
];

rmSync(out, { recursive: true, force: true });
for (const [from, to] of files) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(join(here, from), join(out, to));
}
console.log(`wrote ${files.length} files to ${out}`);
