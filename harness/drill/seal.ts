import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * What a backup directory looks like on disk, file by file: path, size, inode, modification and change time. Any write,
 * truncation, rename, chmod or utimes moves the change time, so two equal seals mean nobody touched the files in
 * between, without reading them (a backup of hundreds of MB takes seconds to hash on a loaded machine, a stat of it
 * milliseconds). The files' sha256s are in the evidence once, from the backup.
 */
export type ArtifactSeal = Map<string, string>;

export async function sealOf(dir: string): Promise<ArtifactSeal> {
  const seal: ArtifactSeal = new Map();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const s = await stat(path, { bigint: true });
    seal.set(relative(dir, path), `${s.size} ${s.ino} ${s.mtimeNs} ${s.ctimeNs}`);
  }
  return seal;
}

/** Files added, removed or touched since the seal. */
export async function unsealed(dir: string, seal: ArtifactSeal): Promise<string[]> {
  const now = await sealOf(dir);
  const touched = [...now].filter(([path, mark]) => seal.get(path) !== mark).map(([path]) => path);
  return [...touched, ...[...seal.keys()].filter((path) => !now.has(path))];
}
