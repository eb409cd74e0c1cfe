import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactChecksumMismatch, ArtifactInputError, resolveArtifact } from "../../harness/artifact-source/index.ts";
import { makeTempDir } from "./support.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const at = (iso: string) => new Date(iso);

describe("local artifacts", () => {
  it("a file: its sha256, size and mtime, used where it is", async () => {
    const dir = await makeTempDir();
    const file = join(dir, "pg.dump");
    await writeFile(file, "backup bytes");
    await utimes(file, at("2026-12-06T03:00:00Z"), at("2026-12-06T03:00:00Z"));
    const got = await resolveArtifact(file, { newest: false, into: join(dir, "into") });
    expect(got).toEqual({
      path: file,
      sha256: sha("backup bytes"),
      bytes: 12,
      modifiedAt: at("2026-12-06T03:00:00Z"),
      origin: `file ${file}`,
    });
  });

  it("a file with a matching .sha256 beside it says so; a mismatch is refused naming both digests", async () => {
    const dir = await makeTempDir();
    const file = join(dir, "pg.dump");
    await writeFile(file, "backup bytes");
    await writeFile(`${file}.sha256`, `${sha("backup bytes")}  pg.dump\n`);
    expect((await resolveArtifact(file, { newest: false, into: dir })).origin).toBe(
      `file ${file}, matching ${file}.sha256`,
    );
    await writeFile(file, "backup bytez");
    const refused = resolveArtifact(file, { newest: false, into: dir });
    await expect(refused).rejects.toThrow(ArtifactChecksumMismatch);
    await expect(refused).rejects.toThrow(
      `its SHA-256 is ${sha("backup bytez")} but ${file}.sha256 says ${sha("backup bytes")}`,
    );
  });

  it("a directory: the sha256 of its manifest, the one the documented shell line prints", async () => {
    const dir = await makeTempDir();
    const backup = join(dir, "base");
    await mkdir(join(backup, "global"), { recursive: true });
    await mkdir(join(backup, "pg_wal"), { recursive: true });
    await writeFile(join(backup, "PG_VERSION"), "17\n");
    await writeFile(join(backup, "global", "pg_control"), "control");
    await writeFile(join(backup, "Zeta"), "upper case sorts first in bytes");
    const got = await resolveArtifact(backup, { newest: false, into: dir });
    const shell = execFileSync(
      "bash",
      ["-c", "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum"],
      { cwd: backup, encoding: "utf8" },
    );
    expect(got.sha256).toBe(shell.split(" ")[0]);
    expect(got).toMatchObject({ path: backup, bytes: 3 + 7 + 31 });
    // One byte changed changes it.
    await writeFile(join(backup, "PG_VERSION"), "16\n");
    expect((await resolveArtifact(backup, { newest: false, into: dir })).sha256).not.toBe(got.sha256);
  });

  it("--newest takes the most recently modified entry of a directory, never a checksum file", async () => {
    const dir = await makeTempDir();
    for (const [name, day] of [
      ["2026-12-04.dump", "04"],
      ["2026-12-06.dump", "06"],
      ["2026-12-05.dump", "05"],
    ] as const) {
      await writeFile(join(dir, name), name);
      await utimes(join(dir, name), at(`2026-12-${day}T03:00:00Z`), at(`2026-12-${day}T03:00:00Z`));
    }
    await writeFile(join(dir, "2026-12-06.dump.sha256"), sha("2026-12-06.dump"));
    const got = await resolveArtifact(dir, { newest: true, into: dir });
    expect(got.path).toBe(join(dir, "2026-12-06.dump"));
    expect(got.origin).toContain("matching");
  });

  it("what cannot be had is an input error naming --artifact and what to do", async () => {
    const dir = await makeTempDir();
    await expect(resolveArtifact(join(dir, "nope.dump"), { newest: false, into: dir })).rejects.toThrow(
      /^--artifact .*nope\.dump: no such file or directory/,
    );
    await mkdir(join(dir, "empty"));
    const empty = resolveArtifact(join(dir, "empty"), { newest: true, into: dir });
    await expect(empty).rejects.toThrow(ArtifactInputError);
    await expect(empty).rejects.toThrow(/is empty: --newest found nothing to verify/);
    await writeFile(join(dir, "one.dump"), "x");
    await expect(resolveArtifact(join(dir, "one.dump"), { newest: true, into: dir })).rejects.toThrow(
      /--newest needs a directory of artifacts/,
    );
  });
});
