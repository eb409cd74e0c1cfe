import { describe, expect, it } from "vitest";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { loadConfig } from "../../harness/config.ts";
import { planRun, vocabulary } from "../../cli/run.ts";
import { procedureLines } from "../../cli/inspect.ts";
import { customFault, expectationOf } from "../../harness/procedure/scenarios.ts";
import { ProcedureFailure } from "../../harness/procedure/step.ts";
import { makeTempDir } from "./support.ts";
import { REPO } from "./cli-process.ts";

const EXAMPLE = `${REPO}/examples/pgbackrest.config.ts`;
const procedures = async () => (await loadConfig(vocabulary(), EXAMPLE)).config.engines!.postgres!.procedures!;

/** A pgBackRest repository as the backup steps leave it: a full, an incremental on it, the WAL archive. */
const REPOSITORY: Record<string, number> = {
  "repo/backup/drill/backup.info": 10,
  "repo/backup/drill/20261207-231000F/backup.manifest": 50,
  "repo/backup/drill/20261207-231000F/pg_data/base/5/16384": 400,
  "repo/backup/drill/20261207-231000F/pg_data/global/pg_control": 80,
  "repo/backup/drill/20261207-231000F_20261207-231010I/backup.manifest": 50,
  "repo/backup/drill/20261207-231000F_20261207-231010I/pg_data/base/5/16390": 300,
  "repo/archive/drill/archive.info": 10,
  "repo/archive/drill/15-1/0000000100000000/000000010000000000000003-0123456789abcdef0123456789abcdef01234567": 160,
  "repo/archive/drill/15-1/0000000100000000/000000010000000000000003.00000028.backup": 20,
};

async function repository(): Promise<string> {
  const dir = await makeTempDir();
  for (const [rel, size] of Object.entries(REPOSITORY)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), Buffer.alloc(size, 0x41));
  }
  return dir;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("examples/pgbackrest.config.ts: pgBackRest as a procedure of the config", () => {
  it("offers pgbackrest-full and pgbackrest-incr as methods of postgres, drilled under load by default", async () => {
    const plan = await planRun({ config: EXAMPLE, engine: "postgres", method: "pgbackrest-full,pgbackrest-incr" });
    expect(plan.drills.map((d) => `${d.method} ${d.scenario}`)).toEqual([
      "pgbackrest-full load",
      "pgbackrest-incr load",
    ]);
    const faults = await planRun({
      config: EXAMPLE,
      engine: "postgres",
      method: "pgbackrest-incr",
      scenario: "pgbackrest-full-deleted,pgbackrest-flip-byte,pgbackrest-missing-wal",
    });
    expect(faults.drills).toHaveLength(3);
    // Only an incremental has a full to lose.
    await expect(
      planRun({ config: EXAMPLE, engine: "postgres", method: "pgbackrest-full", scenario: "pgbackrest-full-deleted" }),
    ).rejects.toThrow(/no drill matches/);
  });

  it("gives pgBackRest its options in a config file, where a command ignores those it does not take", async () => {
    for (const [name, p] of Object.entries(await procedures())) {
      const archive = p.serverArgs!.find((a) => a.startsWith("archive_command="))!;
      const runs = [archive, ...p.backup.map((s) => s.run), ...p.restore.beforeStart!.map((s) => s.run)];
      const calls = runs.flatMap((run) => [...run.matchAll(/pgbackrest ((?:--\S+ )*)([a-z-]+)/g)]);
      expect(
        calls.map((c) => c[2]),
        name,
      ).toEqual(expect.arrayContaining(["archive-push", "stanza-create", "restore"]));
      // On the command line pgBackRest refuses an option its command does not take ([031]: archive-push and
      // restore refuse pg1-socket-path, stanza-create compress-type): only the file and the stanza go there.
      for (const [call, options] of calls)
        expect(options!.trim().split(" "), `${name}: ${call}`).toEqual([
          "--config=/dr-drill/artifact/pgbackrest.conf",
          "--stanza=drill",
        ]);
      expect(archive).toMatch(/ archive-push %p$/);
      // The first step writes the file into the artifact directory, where the restore finds it again.
      expect(p.backup[0]!.run).toMatch(
        /^printf '%s\\n' '\[global\]' .*'pg1-socket-path=\/var\/lib\/postgresql\/data' > pgbackrest.conf && /,
      );
    }
    const incr = (await procedures())["pgbackrest-incr"]!.backup.map((s) => s.name);
    expect(incr).toEqual(["stanza-create", "backup-full", "backup-incr"]);
  });

  it("deletes the full under the incremental, and only it", async () => {
    const dir = await repository();
    const config = (await procedures())["pgbackrest-incr"]!.customFaults!["pgbackrest-full-deleted"]!;
    const record = await customFault("pgbackrest-full-deleted", config).apply({
      dir,
      method: "pgbackrest-incr",
      procedure: "pgbackrest-incr",
      tool: "t",
      finishedAt: 0,
    });
    expect(record.detail).toEqual({
      files: [
        "repo/backup/drill/20261207-231000F/pg_data/base/5/16384",
        "repo/backup/drill/20261207-231000F/pg_data/global/pg_control",
        "repo/backup/drill/20261207-231000F/backup.manifest",
      ],
    });
    expect(await exists(join(dir, "repo/backup/drill/20261207-231000F_20261207-231010I/backup.manifest"))).toBe(true);
    expect(await exists(join(dir, "repo/backup/drill/backup.info"))).toBe(true);
  });

  it("deletes the archived WAL segments, not the archive's info or the backup's history file", async () => {
    const dir = await repository();
    const config = (await procedures())["pgbackrest-full"]!.customFaults!["pgbackrest-missing-wal"]!;
    const artifact = { dir, method: "m", procedure: "m", tool: "t", finishedAt: 0 };
    const record = await customFault("pgbackrest-missing-wal", config).apply(artifact);
    expect(record.detail).toEqual({ files: [expect.stringMatching(/000000010000000000000003-0123/)] });
    expect(await exists(join(dir, "repo/archive/drill/archive.info"))).toBe(true);
    expect(
      await exists(join(dir, "repo/archive/drill/15-1/0000000100000000/000000010000000000000003.00000028.backup")),
    ).toBe(true);
  });

  it("flips a byte of the largest data file of a backup, never of the manifest", async () => {
    const dir = await repository();
    const config = (await procedures())["pgbackrest-incr"]!.customFaults!["pgbackrest-flip-byte"]!;
    const artifact = { dir, method: "m", procedure: "m", tool: "t", finishedAt: 0 };
    expect(await customFault("pgbackrest-flip-byte", config).apply(artifact)).toMatchObject({
      target: "repo/backup/drill/20261207-231000F/pg_data/base/5/16384",
      detail: { offset: 200 },
    });
    const flipped = await readFile(join(dir, "repo/backup/drill/20261207-231000F/pg_data/base/5/16384"));
    expect(flipped[200]).not.toBe(0x41);
  });

  it("counts only pgBackRest's own error for the stated reason as the refusal", async () => {
    const faults = (await procedures())["pgbackrest-incr"]!.customFaults!;
    const reason = (name: string) => {
      const expect = expectationOf(faults[name]!.expect);
      return new RegExp(expect.outcome === "refuses" ? expect.reason : "^$");
    };
    const failed = (output: string) => new ProcedureFailure("pgbackrest-restore", 39, output).message;
    const checksum =
      "ERROR: [039]: error restoring 'pg_data/base/5/16384': actual checksum 'a1' does not match expected checksum 'b2'";
    expect(failed(`P00   INFO: restore command begin\n${checksum}`)).toMatch(reason("pgbackrest-flip-byte"));
    // Another failure of the same step is not the checksum refusing the file.
    expect(failed("ERROR: [055]: unable to open missing file 'x' for read")).not.toMatch(
      reason("pgbackrest-flip-byte"),
    );
    expect(
      failed(
        "ERROR: [055]: unable to open missing file '/dr-drill/artifact/repo/backup/drill/F/pg_data/PG_VERSION' for read",
      ),
    ).toMatch(reason("pgbackrest-full-deleted"));
    // A step that could not run (our error or Docker's) is not a ProcedureFailure and never matches.
    expect("Error: (HTTP code 404) no such image").not.toMatch(reason("pgbackrest-full-deleted"));
  });
});

describe("dr-drill list: the procedures of the config", () => {
  it("shows each procedure with its mode, its promise and its scenarios", async () => {
    const lines = procedureLines(await procedures()).join("\n");
    expect(lines).toMatch(
      /pgbackrest-full +online, promises point-in-time\n +scenarios: load, clean, older-backup, pgbackrest-flip-byte, pgbackrest-missing-wal/,
    );
    expect(lines).toMatch(/pgbackrest-incr .*\n .*pgbackrest-missing-wal, pgbackrest-full-deleted$/);
  });
});
