// Usage: node validate.mjs file.glb [...]; prints one JSON report summary per line.
import { readFile } from 'node:fs/promises';
import validator from 'gltf-validator';

for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(file));
  const report = await validator.validateBytes(bytes, { maxIssues: 50 });
  const messages = report.issues.messages
    .filter((m) => m.severity <= 1)
    .map((m) => `${m.code}: ${m.message} (${m.pointer ?? ''})`);
  console.log(JSON.stringify({
    file,
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    messages,
  }));
}
