// Writes public/guest/schema.json from the lab's manifest schema (src/core/manifest/json-schema.ts).
// `npm run guest:schema` after changing the manifest format; `-- --check` only says whether the
// committed file is current (exit 1 if not), as tests/manifest.test.ts does.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { guestManifestJsonSchemaText } from '../src/core/manifest/json-schema';

const path = fileURLToPath(new URL('../public/guest/schema.json', import.meta.url));
const text = guestManifestJsonSchemaText();
let current = '';
try {
  current = readFileSync(path, 'utf8');
} catch {
  // no file yet: it is written below (or reported as out of date)
}

if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${path} is not what the manifest schema generates: run npm run guest:schema`);
    process.exit(1);
  }
  console.log(`${path} is current`);
} else if (current === text) {
  console.log(`${path} is current`);
} else {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
