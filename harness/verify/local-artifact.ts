import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { manifestOf } from "../evidence.ts";
import { InputError } from "../errors.ts";

/** An artifact brought to `dr-drill verify`, where it now lies on this machine and what it is. */
export interface ResolvedArtifact {
  /** A file or a directory on this machine. */
  path: string;
  /** The file's SHA-256; for a directory, the SHA-256 of its manifest (`<sha256>  <path>` lines, sorted by path). */
  sha256: string;
  bytes: number;
  /** When the artifact was last written (the newest file of a directory): its age at test time. */
  modifiedAt: Date | null;
  /** Where it came from, as the user named it. */
  origin: string;
}

export interface ResolveOptions {
  /** `spec` names a directory holding several artifacts: take the newest entry in it. */
  newest: boolean;
  /** Where a remote artifact is downloaded to (a local one is read where it lies). */
  into: string;
  onProgress?: (bytes: number, total: number | null) => void;
}

/**
 * A local artifact: a file or a directory, read where it lies (never copied, never written). `--newest` picks the
 * most recently modified entry of the directory named. Remote sources (S3) resolve behind the same signature.
 */
export async function resolveArtifact(spec: string, opts: ResolveOptions): Promise<ResolvedArtifact> {
  const origin = resolve(spec);
  if (!existsSync(origin)) throw new InputError(`--artifact: no such file or directory: ${origin}`);
  const path = opts.newest ? await newestEntry(origin) : origin;
  const info = await stat(path);
  if (info.isFile()) {
    const sha256 = await fileSha256(path, (n) => opts.onProgress?.(n, info.size));
    return { path, sha256, bytes: info.size, modifiedAt: info.mtime, origin };
  }
  const files = await manifestOf(path);
  const manifest = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .join("");
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  opts.onProgress?.(bytes, bytes);
  const times = await Promise.all(files.map(async (f) => (await stat(join(path, f.path))).mtimeMs));
  return {
    path,
    sha256: createHash("sha256").update(manifest).digest("hex"),
    bytes,
    modifiedAt: times.length ? new Date(Math.max(...times)) : info.mtime,
    origin,
  };
}

async function newestEntry(dir: string): Promise<string> {
  if (!(await stat(dir)).isDirectory()) throw new InputError(`--newest: ${dir} is not a directory`);
  const entries = await readdir(dir);
  const dated = await Promise.all(
    entries.map(async (e) => ({ path: join(dir, e), at: (await stat(join(dir, e))).mtimeMs })),
  );
  const newest = dated.sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new InputError(`--newest: ${dir} is empty`);
  return newest.path;
}

async function fileSha256(path: string, progress: (bytes: number) => void): Promise<string> {
  const hash = createHash("sha256");
  let read = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    read += (chunk as Buffer).length;
    progress(read);
  }
  return hash.digest("hex");
}
