import { createHash } from "node:crypto";
import { createReadStream, type Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The identity of a directory artifact: the SHA-256 of its manifest, which is one line `<sha256 hex>  <path>\n` per
 * regular file (path relative to the directory, `/`-separated), sorted by path bytewise: what
 * `find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum` prints, run inside it.
 * Entries that are not regular files (links, fifos) are not in it; empty directories neither.
 */
export async function directoryDigest(
  dir: string,
): Promise<{ sha256: string; bytes: number; files: number; newestMtime: Date | null }> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const path = (e: Dirent) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/");
  const files = entries
    .filter((e) => e.isFile())
    .map(path)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const manifest = createHash("sha256");
  let bytes = 0;
  let newest = 0;
  for (const file of files) {
    const full = join(dir, file);
    const info = await stat(full);
    bytes += info.size;
    newest = Math.max(newest, info.mtimeMs);
    manifest.update(`${await fileSha256(full)}  ${file}\n`);
  }
  return {
    sha256: manifest.digest("hex"),
    bytes,
    files: files.length,
    newestMtime: files.length ? new Date(newest) : null,
  };
}

/** The hex digest a `.sha256` file states: its first word (`sha256sum` writes `<hex>  <name>`), or null when none. */
export function statedSha256(text: string): string | null {
  const word = text.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  return /^[0-9a-f]{64}$/.test(word) ? word : null;
}
