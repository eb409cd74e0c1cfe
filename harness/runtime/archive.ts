import { mkdir } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import tarFs from "tar-fs";
import type { StartedTestContainer } from "testcontainers";

/**
 * Copies a directory out of a container into `hostDir` (its contents, not the directory itself), streaming Docker's
 * tar archive. Hard links keep working (engines such as QuestDB hard-link files): their targets get the same renaming.
 * The files belong to the user running dr-drill, root included (tar-fs would otherwise give root the engine's uids).
 * `abortAfterBytes` breaks the transfer midway, for fault drills about interrupted copies.
 */
export async function copyDirectoryOut(
  container: StartedTestContainer,
  containerDir: string,
  hostDir: string,
  opts: { abortAfterBytes?: number } = {},
): Promise<void> {
  await mkdir(hostDir, { recursive: true });
  const archive = (await container.copyArchiveFromContainer(containerDir)) as Readable;
  const prefix = containerDir.replace(/\/+$/, "").split("/").pop() + "/";
  if (opts.abortAfterBytes !== undefined) {
    let seen = 0;
    const limit = opts.abortAfterBytes;
    archive.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limit)
        archive.destroy(new Error(`copy interrupted after ${seen} bytes (injected fault: the transfer broke midway)`));
    });
  }
  const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const strip = (name: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  await pipeline(
    archive,
    tarFs.extract(hostDir, {
      map: (header) => {
        const link = (header as { linkname?: string | null }).linkname;
        return {
          ...header,
          ...owner,
          name: strip(header.name),
          ...(link && header.type === "link" ? { linkname: strip(link) } : {}),
        };
      },
      ignore: (_name, header) => header?.name === "" || header?.name === prefix.slice(0, -1),
    }),
  );
}
