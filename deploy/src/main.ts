// `npm run manifests`: writes deploy/manifests/*.yaml from deploy/src (as `npm run dashboards` does for dashboards).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_DIR, renderManifests } from './manifests.ts';

await mkdir(MANIFEST_DIR, { recursive: true });
for (const [file, text] of Object.entries(renderManifests())) {
  await writeFile(join(MANIFEST_DIR, file), text);
  process.stdout.write(`wrote deploy/manifests/${file}\n`);
}
