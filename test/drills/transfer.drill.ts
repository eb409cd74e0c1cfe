import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { link, lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ImageResolver } from "../../harness/runtime/images.ts";
import { createVolume, removeManaged, runLabels } from "../../harness/runtime/resources.ts";
import { restoreVolume } from "../../harness/runtime/restore-volume.ts";
import { withToolbox, type Transfer } from "../../harness/runtime/toolbox.ts";
import { postgresImageSpec } from "../../protocols/pg/image.ts";

const ODD = "odd name 'single' \"double\" $HOME \\ * ? [x] é€ ;|&";
const ENGINE_UID = 4242;
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const drillId = `transfer-${Date.now()}`;
const labels = runLabels(drillId, drillId);

/** Every entry under `dir`: path, type, mode, owner, mtime, inode and content hash; equal digests mean nothing changed. */
async function state(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const s = await lstat(p);
      const content = s.isFile()
        ? createHash("sha256")
            .update(await readFile(p))
            .digest("hex")
        : "";
      lines.push(JSON.stringify([relative(dir, p), s.mode, s.uid, s.gid, s.mtimeMs, s.ino, s.nlink, content]));
      if (s.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/** A directory with a hard-linked pair, a file with odd characters in its name, a subdirectory and 2 MiB of data. */
async function sourceDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dr-drill-transfer-"));
  await writeFile(join(dir, "data.bin"), createHash("sha512").update("seed").digest().toString("hex").repeat(16_384));
  await link(join(dir, "data.bin"), join(dir, "data.link"));
  await writeFile(join(dir, ODD), "odd\n");
  await mkdir(join(dir, "sub"));
  await writeFile(join(dir, "sub", "inner.txt"), "inner\n");
  return dir;
}

async function expectCopyOf(copy: string): Promise<void> {
  const [data, linked, odd, inner] = await Promise.all(
    ["data.bin", "data.link", ODD, join("sub", "inner.txt")].map((f) => lstat(join(copy, f))),
  );
  expect(linked!.ino, "the hard link survived as one inode").toBe(data!.ino);
  expect(data!.nlink).toBe(2);
  expect(await readFile(join(copy, ODD), "utf8")).toBe("odd\n");
  expect(await readFile(join(copy, "sub", "inner.txt"), "utf8")).toBe("inner\n");
  for (const s of [data, linked, odd, inner, await lstat(join(copy, "sub"))])
    expect({ uid: s!.uid, gid: s!.gid }, "owned by the user running dr-drill").toEqual(me);
}

describe("copies between this machine and volumes: a bind mount when Docker is local, Docker's archive API otherwise", async () => {
  const image = await new ImageResolver("auto", () => undefined).resolve(postgresImageSpec("15"));
  const scratch: string[] = [];
  afterAll(async () => {
    await removeManaged({ drillId });
    for (const d of scratch) await rm(d, { recursive: true, force: true });
  });

  for (const transfer of ["bind-mount", "archive"] satisfies Transfer[]) {
    it(`${transfer}: in, untouched on the host, then out again: hard link, odd name and ownership kept`, async () => {
      const src = await sourceDir();
      const out = join(await mkdtemp(join(tmpdir(), "dr-drill-transfer-out-")), "copy");
      scratch.push(src, join(out, ".."));
      const volume = await createVolume(`dr-drill-transfer-${transfer}-${Date.now()}`, labels);
      const before = await state(src);
      const vol = restoreVolume({ image, volume, mountPath: "/data", uid: ENGINE_UID, labels, transfer });
      await vol.copyIn(src);
      await vol.putBack(src, ODD);
      expect(await state(src), "the host directory is unchanged by copyIn and putBack").toBe(before);
      const inVolume = await vol.sh(
        `stat -c '%i %h %u' /data/data.bin /data/data.link && cat "/data/${ODD.replace(/["$\\]/g, "\\$&")}"`,
      );
      const [a, b] = inVolume.trim().split("\n");
      expect(a, "the hard link survived into the volume, owned by the engine's uid").toBe(b);
      expect(a).toMatch(new RegExp(` 2 ${ENGINE_UID}$`));
      expect(inVolume).toMatch(/odd$/m);
      const how = await withToolbox(
        {
          image: image.ref,
          labels,
          volumes: [{ name: volume, path: "/data", readOnly: true }],
          host: { dir: out, direction: "out" },
          transfer,
        },
        async (box) => {
          await box.copyOut("/data");
          return box.how;
        },
      );
      expect(how).toMatch(transfer === "bind-mount" ? /bind mount/ : /archive API/);
      await expectCopyOf(out);
    });

    it(`${transfer}: a transfer broken after some bytes fails saying so, and leaves a partial copy the user owns`, async () => {
      const src = await sourceDir();
      const out = join(await mkdtemp(join(tmpdir(), "dr-drill-transfer-cut-")), "copy");
      scratch.push(src, join(out, ".."));
      const volume = await createVolume(`dr-drill-transfer-cut-${transfer}-${Date.now()}`, labels);
      await restoreVolume({ image, volume, mountPath: "/data", uid: ENGINE_UID, labels, transfer }).copyIn(src);
      const copy = withToolbox(
        {
          image: image.ref,
          labels,
          volumes: [{ name: volume, path: "/data", readOnly: true }],
          host: { dir: out, direction: "out" },
          transfer,
        },
        (box) => box.toHost((dest) => box.sh(`cp -a /data/. ${dest}/`), { abortAfterBytes: 256 * 1024 }),
      );
      await expect(copy).rejects.toThrow(/copy interrupted after \d+ bytes/);
      const left = await readdir(out);
      expect(left.length, "the transfer got somewhere before it broke").toBeGreaterThan(0);
      const sizes = await Promise.all(left.map(async (f) => (await lstat(join(out, f))).size));
      expect(
        sizes.reduce((n, s) => n + s, 0),
        `partial: ${left.join(", ")}`,
      ).toBeLessThan((await lstat(join(src, "data.bin"))).size);
      for (const f of left) expect((await lstat(join(out, f))).uid).toBe(me.uid);
    });
  }

  it("bind-mount: a Docker engine that mounts another directory than this process sees is refused, not trusted", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "dr-drill-transfer-other-")), "copy");
    scratch.push(join(out, ".."));
    const copy = withToolbox(
      { image: image.ref, labels, volumes: [], host: { dir: out, direction: "out" }, transfer: "bind-mount" },
      (box) =>
        box.toHost(async (dest) => {
          // The mount keeps the directory it was given; this process now sees a new, empty one at that path.
          await rename(out, `${out}-mounted`);
          await mkdir(out);
          await box.sh(`echo x > ${dest}/f`);
        }),
    );
    await expect(copy).rejects.toThrow(/mounted another directory than .* \(1 entries there, 0 here\)/);
  });
});
