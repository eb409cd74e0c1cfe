import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import tarStream, { type Pack } from "tar-stream";

/**
 * A tar stream of a directory's contents for Docker's archive API, every further name of a hard-linked file written as
 * a link to its first name, as GNU tar does: testcontainers' own archives (archiver) store each name as a separate
 * copy, so a restore through them would not give an engine the hard links its backup had.
 */
export function packDirectory(dir: string): Readable {
  const pack = tarStream.pack();
  const firstName = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(dir, path);
      const s = await lstat(full);
      const header = { name: path, mode: s.mode & 0o7777, mtime: s.mtime, uid: s.uid, gid: s.gid };
      const inode = `${s.dev}:${s.ino}`;
      if (s.isDirectory()) {
        await entry(pack, { ...header, type: "directory" });
        await walk(path);
      } else if (s.isSymbolicLink()) await entry(pack, { ...header, type: "symlink", linkname: await readlink(full) });
      else if (!s.isFile()) throw new Error(`${full} is not a file, directory or symbolic link: it cannot be copied`);
      else if (s.nlink > 1 && firstName.has(inode))
        await entry(pack, { ...header, type: "link", linkname: firstName.get(inode) });
      else {
        if (s.nlink > 1) firstName.set(inode, path);
        await entry(pack, { ...header, type: "file", size: s.size }, createReadStream(full));
      }
    }
  };
  walk("").then(
    () => pack.finalize(),
    (err: Error) => pack.destroy(err),
  );
  return Readable.from(pack);
}

function entry(pack: Pack, header: Parameters<Pack["entry"]>[0], content?: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    // An entry without content (a directory, a link) ends by itself.
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    content?.on("error", reject).pipe(sink);
  });
}
