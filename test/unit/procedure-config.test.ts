import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, validateConfig } from "../../harness/config.ts";
import { planRun, vocabulary } from "../../cli/run.ts";
import { procedureScenarioNames } from "../../harness/procedure/scenario-names.ts";
import { expectationOf } from "../../harness/procedure/scenarios.ts";
import { stepTimeoutMs } from "../../harness/procedure/step.ts";
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
    [withProcedure({ ...DUMP, promises: "eventual" }), /engines.postgres.procedures.nightly.promises: Invalid option/],
    [withProcedure({ ...DUMP, backup: [] }), /engines.postgres.procedures.nightly.backup: Too small/],
    [withProcedure({ ...DUMP, restore: {} }), /procedures.nightly.restore: needs at least one step/],
    [
      withProcedure({ ...DUMP, backup: [{ run: "x", timeot: "1m" }] }),
      /procedures.nightly.backup.0: Unrecognized key: "timeot"/,
    ],
    [withProcedure({ ...DUMP, backup: [{ run: "x", timeout: "soon" }] }), /backup.0.timeout: a duration such as "90s"/],
    [withProcedure({ ...DUMP, backup: [{ run: "x", data: "rw" }] }), /backup.0.data: Invalid option/],
    [
      withProcedure({ ...DUMP, faults: { "flip-everything": { refuses: "x" } } }),
      /procedures.nightly.faults: Unrecognized key: "flip-everything"/,
    ],
    [
      { engines: { postgres: { procedures: { "Night Dump": DUMP } } } },
      /procedures.Night Dump: a name of lowercase letters/,
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
