import { MeshoptEncoder as E, MeshoptDecoder as D } from 'meshoptimizer';
import fs from 'fs';
await E.ready; await D.ready;
let seed = 11; const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
const cases = [];
const add = (name, encoded, count, stride, mode, filter) => {
  const target = new Uint8Array(count * stride);
  D.decodeGltfBuffer(target, count, stride, encoded, mode, filter);
  cases.push({ name, mode, filter: filter ?? null, count, stride, encoded: Buffer.from(encoded).toString('base64'), decoded: Buffer.from(target).toString('base64') });
};
const n = 300;
// positions on a wavy surface, as floats (stride 12)
const pos = new Float32Array(n * 3); for (let i = 0; i < n; i++) { pos[i*3] = Math.cos(i * 0.1) * (1 + i / n); pos[i*3+1] = Math.sin(i * 0.07); pos[i*3+2] = i / n + rnd() * 0.01; }
for (const version of [0, 1]) add(`floats v${version}`, E.encodeVertexBufferLevel(new Uint8Array(pos.buffer), n, 12, 2, version), n, 12, 'ATTRIBUTES');
// unit normals
const nrm = new Float32Array(n * 4); for (let i = 0; i < n; i++) { let x = rnd() - .5, y = rnd() - .5, z = rnd() - .5; const l = Math.hypot(x, y, z); nrm[i*4] = x/l; nrm[i*4+1] = y/l; nrm[i*4+2] = z/l; nrm[i*4+3] = 1; }
add('octahedral 8-bit', E.encodeVertexBuffer(E.encodeFilterOct(nrm, n, 4, 8), n, 4), n, 4, 'ATTRIBUTES', 'OCTAHEDRAL');
add('octahedral 16-bit', E.encodeVertexBuffer(E.encodeFilterOct(nrm, n, 8, 16), n, 8), n, 8, 'ATTRIBUTES', 'OCTAHEDRAL');
const quat = new Float32Array(n * 4); for (let i = 0; i < n; i++) { let q = [rnd()-.5, rnd()-.5, rnd()-.5, rnd()-.5]; const l = Math.hypot(...q); for (let c = 0; c < 4; c++) quat[i*4+c] = q[c]/l; }
add('quaternion', E.encodeVertexBuffer(E.encodeFilterQuat(quat, n, 8, 12), n, 8), n, 8, 'ATTRIBUTES', 'QUATERNION');
add('exponential', E.encodeVertexBuffer(E.encodeFilterExp(pos, n, 12, 15), n, 12), n, 12, 'ATTRIBUTES', 'EXPONENTIAL');
const col = new Float32Array(n * 4); for (let i = 0; i < n * 4; i++) col[i] = rnd();
add('color', E.encodeVertexBuffer(E.encodeFilterColor(col, n, 4, 8), n, 4), n, 4, 'ATTRIBUTES', 'COLOR');
// a grid's triangles
const w = 20, idx = []; for (let y = 0; y < w - 1; y++) for (let x = 0; x < w - 1; x++) { const a = y*w+x; idx.push(a, a+1, a+w, a+1, a+w+1, a+w); }
const tri = new Uint32Array(idx); E.reorderMesh(tri, true, false); const reordered = tri;
add('triangles 32-bit', E.encodeIndexBuffer(reordered, reordered.length, 4), reordered.length, 4, 'TRIANGLES');
const tri16 = Uint16Array.from(reordered);
add('triangles 16-bit', E.encodeIndexBuffer(tri16, tri16.length, 2), tri16.length, 2, 'TRIANGLES');
const seq = new Uint32Array(n); for (let i = 0; i < n; i++) seq[i] = (i * 7) % 300 + (i & 1) * 5000;
add('index sequence', E.encodeIndexSequence(seq, n, 4), n, 4, 'INDICES');
fs.writeFileSync('meshopt-vectors.json', JSON.stringify(cases, null, 1));
console.log(cases.map(c => `${c.name}: ${c.encoded.length}`).join('\n'));
