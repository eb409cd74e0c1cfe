import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { directoryDigest, fileSha256, statedSha256 } from "./digest.ts";
import { ArtifactChecksumMismatch, ArtifactInputError } from "./errors.ts";
import type { ResolvedArtifact } from "./types.ts";

const CHECKSUM_SUFFIX = ".sha256";

/**
 * A file or directory on this machine. With `newest`, the spec is a directory of artifacts and the one most recently
 * modified is taken (checksum files beside them are not candidates). A file with a `<file>.sha256` beside it must match it.
 */
export async function resolveLocal(spec: string, newest: boolean): Promise<ResolvedArtifact> {
  const given = resolve(spec);
  if (!existsSync(given)) throw new ArtifactInputError(spec, `no such file or directory (${given})`);
  const path = newest ? await newestEntry(spec, given) : given;
  const info = await stat(path);
  if (info.isDirectory()) {
    const digest = await directoryDigest(path);
    if (digest.files === 0) throw new ArtifactInputError(spec, `${path} is an empty directory: no backup in it`);
    return {
      path,
      sha256: digest.sha256,
      bytes: digest.bytes,
      modifiedAt: digest.newestMtime,
      origin: `directory ${path} (${digest.files} files; sha256 of its manifest)`,
    };
  }
  if (!info.isFile()) throw new ArtifactInputError(spec, `${path} is neither a regular file nor a directory`);
  const sha256 = await fileSha256(path);
  const checksumPath = path + CHECKSUM_SUFFIX;
  let origin = `file ${path}`;
  if (existsSync(checksumPath)) {
    const expected = statedSha256(await readFile(checksumPath, "utf8"));
    if (!expected) throw new ArtifactInputError(spec, `${checksumPath} holds no SHA-256 (64 hex digits)`);
    if (expected !== sha256) throw new ArtifactChecksumMismatch(origin, expected, sha256, checksumPath);
    origin += `, matching ${checksumPath}`;
  }
  return { path, sha256, bytes: info.size, modifiedAt: info.mtime, origin };
}

async function newestEntry(spec: string, dir: string): Promise<string> {
  if (!(await stat(dir)).isDirectory())
    throw new ArtifactInputError(spec, "--newest needs a directory of artifacts (or an s3://bucket/prefix/)");
  const names = (await readdir(dir)).filter((n) => !n.endsWith(CHECKSUM_SUFFIX) && !n.endsWith(".part"));
  const dated = await Promise.all(
    names.map(async (n) => ({ path: join(dir, n), mtime: (await stat(join(dir, n))).mtimeMs })),
  );
  // Ties broken by name, so the pick does not depend on the directory's listing order.
  const pick = dated.sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? 1 : -1))[0];
  if (!pick) throw new ArtifactInputError(spec, `${dir} is empty: --newest found nothing to verify`);
  return pick.path;
}
