import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../harness/config.ts";
import { validateConfig } from "../../harness/config-check.ts";
import { planRun, vocabulary } from "../../cli/run.ts";
import { procedureScenarioNames } from "../../harness/procedure/scenario-names.ts";
import { customFault, expectationOf } from "../../harness/procedure/scenarios.ts";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { logFixture, makeTempDir } from "./support.ts";
import { ProcedureFailure, sayingLine, stepTimeoutMs } from "../../harness/procedure/step.ts";
import { REPO } from "./cli-process.ts";

const VOCAB = {
  engines: { postgres: { versions: ["15", "17"], methods: ["physical", "logical"], scenarios: ["load", "clean"] } },
};
const DUMP = {
  promises: "point-in-time",
  mode: "online",
  backup: [{ run: "pg_dump -Fc -f d.pgdump" }],
  restore: { afterStart: [{ run: "pg_restore -d drill d.pgdump" }] },
};
const withProcedure = (procedure: object, extra: object = {}) => ({
  engines: { postgres: { procedures: { nightly: procedure }, ...extra } },
});

describe("config: procedures and checks of the user's own", () => {
  it("accepts a procedure and checks, and its name as a method and its scenarios", () => {
    const config = withProcedure(DUMP, {
      methods: ["nightly", "physical"],
      scenarios: ["older-backup"],
      checks: {
        "no-orphans": { query: "SELECT 1 WHERE false", expect: "zero-rows" },
        n: { query: "SELECT 1", expect: { value: "1" } },
      },
    });
    expect(validateConfig(config, "f.ts", VOCAB)).toEqual(config);
  });

  it.each([
    [withProcedure({ ...DUMP, promises: "eventual" }), /engines.postgres.procedures.nightly.promises Invalid option/],
    [withProcedure({ ...DUMP, backup: [] }), /engines.postgres.procedures.nightly.backup Too small/],
    [withProcedure({ ...DUMP, restore: {} }), /procedures.nightly.restore needs at least one step/],
    [
      withProcedure({ ...DUMP, backup: [{ run: "x", timeot: "1m" }] }),
      /unknown key "engines.postgres.procedures.nightly.backup.0.timeot"/,
    ],
    [withProcedure({ ...DUMP, backup: [{ run: "x", timeout: "soon" }] }), /backup.0.timeout a duration such as "90s"/],
    [withProcedure({ ...DUMP, backup: [{ run: "x", data: "rw" }] }), /backup.0.data Invalid option/],
    [
      withProcedure({ ...DUMP, faults: { "flip-everything": { refuses: "x" } } }),
      /unknown key "engines.postgres.procedures.nightly.faults.flip-everything"/,
    ],
    [
      { engines: { postgres: { procedures: { "Night Dump": DUMP } } } },
      /procedures.Night Dump a name of lowercase letters/,
    ],
    [{ engines: { postgres: { checks: { a: { query: "SELECT 1", expect: "some-rows" } } } } }, /checks.a.expect/],
    [withProcedure(DUMP, { methods: ["weekly"] }), /engines.postgres.methods has unknown value "weekly"/],
  ])("names the bad key: %j", (config, message) => {
    expect(() => validateConfig(config, "dr-drill.config.ts", VOCAB)).toThrow(message);
    expect(() => validateConfig(config, "dr-drill.config.ts", VOCAB)).toThrow(ConfigError);
  });

  it("offers a generic fault only where the procedure says what it must show", () => {
    expect(procedureScenarioNames({})).toEqual(["load", "clean", "older-backup"]);
    expect(procedureScenarioNames({ faults: { "truncate-largest": { refuses: "x" } } })).toEqual([
      "load",
      "clean",
      "older-backup",
      "truncate-largest",
    ]);
    expect(expectationOf({ refuses: "checksum" })).toEqual({ outcome: "refuses", reason: "checksum" });
    expect(expectationOf({ detects: [{ check: "user:a" }] })).toEqual({
      outcome: "detects",
      by: [{ check: "user:a" }],
    });
  });

  it("reads a step's deadline, 10 minutes when it states none", () => {
    expect(stepTimeoutMs({ run: "x", timeout: "90s" })).toBe(90_000);
    expect(stepTimeoutMs({ run: "x", timeout: "1.5m" })).toBe(90_000);
    expect(stepTimeoutMs({ run: "x", timeout: "250ms" })).toBe(250);
    expect(stepTimeoutMs({ run: "x" })).toBe(600_000);
  });

  it("plans the example's procedure as a method of postgres, with its checks, and refuses a scenario it does not offer", async () => {
    const config = `${REPO}/examples/pg-dump.config.ts`;
    const plan = await planRun({ config, engine: "postgres", method: "nightly-dump", scenario: "load,older-backup" });
    expect(plan.drills.map((d) => `${d.method} ${d.scenario}`)).toEqual([
      "nightly-dump load",
      "nightly-dump older-backup",
    ]);
    expect(Object.keys(plan.runbooks.postgres?.checks ?? {})).toEqual(["transfers-restored", "accounts-opened"]);
    await expect(
      planRun({ config, engine: "postgres", method: "nightly-dump", scenario: "flip-byte" }),
    ).rejects.toThrow(/no drill matches/);
    // A built-in method is still drilled by the built-in scenarios.
    const builtIn = await planRun({ config, engine: "postgres", method: "physical", scenario: "flip-byte" });
    expect(builtIn.drills.map((d) => d.method)).toEqual(["physical"]);
    expect((await loadConfig(vocabulary(), config)).config.engines?.postgres?.procedures?.["nightly-dump"]?.mode).toBe(
      "online",
    );
  });
});

describe("a fault of the config's own on a procedure's artifact", () => {
  const artifactWith = async (files: Record<string, string>) => {
    const dir = await makeTempDir();
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), content);
    }
    return { dir, method: "p", tool: "t", finishedAt: 0, procedure: "p" };
  };
  const refuses = { refuses: "ERROR" };

  it("deletes every file its path matches, and only those", async () => {
    const artifact = await artifactWith({ "repo/backup/F1/a": "x", "repo/backup/F1/b": "y", "repo/backup/I1/a": "z" });
    const record = await customFault("full-deleted", {
      action: "delete",
      path: "^repo/backup/F1/",
      expect: refuses,
    }).apply(artifact);
    expect(record).toMatchObject({
      fault: "delete-files",
      detail: { files: ["repo/backup/F1/a", "repo/backup/F1/b"] },
    });
    expect(await readdir(join(artifact.dir, "repo/backup/F1"))).toEqual([]);
    expect(await readFile(join(artifact.dir, "repo/backup/I1/a"), "utf8")).toBe("z");
  });

  it("flips the middle byte of the largest matching file, and refuses to apply where nothing matches", async () => {
    const artifact = await artifactWith({ "repo/base/1": "aaaa", "repo/base/2": "bbbbbb", "other/3": "cccccccccc" });
    const flip = customFault("flip", { action: "flip-byte", path: "^repo/base/", expect: refuses });
    expect(await flip.apply(artifact)).toMatchObject({ target: "repo/base/2", detail: { offset: 3 } });
    expect(await readFile(join(artifact.dir, "repo/base/2"), "latin1")).not.toBe("bbbbbb");
    const none = customFault("none", { action: "delete", path: "^nothing/", expect: refuses });
    await expect(none.apply(artifact)).rejects.toThrow(/no file of the artifact matches/);
  });
});

describe("a failed step's words", () => {
  it("are its last error-looking line, else its last line", () => {
    const pgbackrest = logFixture(import.meta.url, "pgbackrest-restore-failed.log");
    expect(sayingLine(pgbackrest)).toBe("P00  ERROR: [039]: invalid checksum for 'pg_data/base/5/16384'");
    expect(sayingLine("copying\nupload: bucket quota exceeded\n")).toBe("upload: bucket quota exceeded");
    expect(new ProcedureFailure("fetch", 2, "\n").message).toBe("procedure step fetch exited 2: (no output)");
  });
});
