import { describe, expect, it } from "vitest";
import { link, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import tarStream from "tar-stream";
import { packDirectory } from "../../harness/runtime/pack.ts";
import { makeTempDir } from "./support.ts";

describe("packDirectory: the tar stream a copy into a remote engine's volume is sent as", () => {
  it("writes a hard-linked file once and its other name as a link, keeps odd names, directories and symbolic links", async () => {
    const dir = await makeTempDir();
    const odd = "odd 'name' \"q\" $x \\ * é€";
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "data"), "x".repeat(10_000));
    await link(join(dir, "sub", "data"), join(dir, "linked"));
    await writeFile(join(dir, odd), "odd");
    await symlink("sub/data", join(dir, "sym"));
    const entries: { name: string; type: string; size: number; linkname: string | null; body: string }[] = [];
    const extract = tarStream.extract();
    packDirectory(dir).pipe(extract);
    for await (const entry of extract) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) if (chunk instanceof Uint8Array) chunks.push(chunk);
      const { name, type, size, linkname } = entry.header;
      entries.push({ name, type, size, linkname, body: Buffer.concat(chunks).toString() });
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    // Sorted walk: "linked" comes before "sub/data", so it carries the content and "sub/data" links to it.
    expect(byName.get("linked")).toMatchObject({ type: "file", size: 10_000 });
    expect(byName.get("sub/data")).toMatchObject({ type: "link", linkname: "linked", size: 0, body: "" });
    expect(byName.get(odd)).toMatchObject({ type: "file", body: "odd" });
    expect(byName.get("sub")).toMatchObject({ type: "directory" });
    expect(byName.get("sym")).toMatchObject({ type: "symlink", linkname: "sub/data" });
    expect(entries).toHaveLength(5);
  });
});
