import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../harness/config.ts";
import { validateConfig } from "../../harness/config-check.ts";
import { Command } from "commander";
import { planRun, vocabulary, type RunOptions } from "../../cli/run.ts";
import { withRunOptions } from "../../cli/program.ts";
import { replayCommand } from "../../cli/execute.ts";
import { mainOf } from "./cli-process.ts";
import { makeTempDir } from "./support.ts";

const VOCAB = {
  engines: { postgres: { versions: ["15", "17"], methods: ["physical", "logical"], scenarios: ["load", "clean"] } },
};
const CONFIG_MODULE = new URL("../../harness/config.ts", import.meta.url).href;

describe("config file", () => {
  it("accepts a complete configuration", () => {
    const config = {
      reports: "out",
      images: "offline",
      rows: 10,
      writers: 2,
      seed: 7,
      targets: { rto: "2m", rpo: "30s" },
      engines: { postgres: { versions: ["17"], methods: ["logical"], scenarios: ["clean"], restoreInto: "17" } },
      signing: { privateKey: "k.pem" },
    };
    expect(validateConfig(config, "f.ts", VOCAB)).toEqual(config);
  });

  it.each([
    [{ targets: { rtoo: "1m" } }, /unknown key "targets.rtoo"/],
    [{ rows: "many" }, /rows must be a positive integer, got "many"/],
    [{ rows: 0 }, /rows must be a positive integer, got 0/],
    [{ rows: 1.5 }, /rows must be a positive integer, got 1.5/],
    [{ writers: 1.5 }, /writers must be a non-negative integer, got 1.5/],
    [{ images: "cloud" }, /images "cloud" is not one of official, offline, auto/],
    [{ engines: { mysql: {} } }, /engines.mysql is not a known engine/],
    [
      { engines: { postgres: { versions: ["9.6"] } } },
      /engines.postgres.versions has unknown value "9.6"; known: 15, 17/,
    ],
    [{ engines: { postgres: { methods: "physical" } } }, /engines.postgres.methods must be a list of strings/],
    [[], /must be an object/],
  ])("names the bad key: %j", (config, message) => {
    expect(() => validateConfig(config, "dr-drill.config.ts", VOCAB)).toThrow(message);
    expect(() => validateConfig(config, "dr-drill.config.ts", VOCAB)).toThrow(ConfigError);
  });

  it("loads dr-drill.config.ts with defineConfig, and says so when there is none", async () => {
    const dir = await makeTempDir();
    expect(await loadConfig(VOCAB, undefined, dir)).toEqual({ config: {}, file: null });
    await writeFile(
      join(dir, "dr-drill.config.ts"),
      `import { defineConfig } from "${CONFIG_MODULE}";\nexport default defineConfig({ rows: 123, targets: { rto: "90s" } });\n`,
    );
    expect((await loadConfig(VOCAB, undefined, dir)).config).toEqual({ rows: 123, targets: { rto: "90s" } });
    await writeFile(join(dir, "broken.config.ts"), "export const x = 1;\n");
    await expect(loadConfig(VOCAB, "broken.config.ts", dir)).rejects.toThrow(/has no default export/);
    await expect(loadConfig(VOCAB, "missing.config.ts", dir)).rejects.toThrow(/config file not found/);
  });
});

/** Plans a run from `dr-drill run`'s arguments, as the command does. */
const planOf = (argv: string[]) =>
  planRun(withRunOptions(new Command("run")).parse(argv, { from: "user" }).opts<RunOptions>());

describe("dr-drill run planning", () => {
  it("flags override the config file, which overrides the defaults", async () => {
    const dir = await makeTempDir();
    const file = join(dir, "c.config.ts");
    await writeFile(
      file,
      `export default { rows: 500, writers: 3, targets: { rto: "2m" }, engines: { postgres: { versions: ["17"], scenarios: ["clean", "load"] } } };\n`,
    );
    const plan = await planOf(["--config", file, "--rows", "900", "--method", "logical"]);
    expect(plan.targets).toEqual({ rtoMs: 120_000 });
    expect(plan.drills.map((d) => `${d.version}/${d.method}/${d.scenario}/${d.rows}/${d.writers}`)).toEqual([
      "17/logical/clean/900/3",
      "17/logical/load/900/3",
    ]);
  });

  it("runs a fault scenario only with the methods it applies to", async () => {
    const plan = await planOf(["--engine", "postgres", "--scenario", "flip-byte,truncated-dump", "--rows", "10"]);
    expect(plan.drills.map((d) => `${d.scenario}:${d.method}`)).toEqual([
      "flip-byte:physical",
      "truncated-dump:logical",
    ]);
  });

  it("--schema drills the user's DDL: scenario user-schema implied, the file's absolute path kept for the replay", async () => {
    const file = join(await makeTempDir(), "mine.sql");
    await writeFile(file, "CREATE TABLE t (id bigint PRIMARY KEY);\n");
    const plan = await planOf(["--engine", "postgres", "--schema", file, "--rows", "10"]);
    expect(plan.drills.map((d) => `${d.scenario}:${d.method}:${d.schema}`)).toEqual([
      `user-schema:physical:${file}`,
      `user-schema:logical:${file}`,
    ]);
    await expect(planOf(["--engine", "postgres", "--schema", join(file, "nope.sql")])).rejects.toThrow(
      /--schema .*nope\.sql: no such file/,
    );
    await expect(planOf(["--engine", "postgres", "--schema", file, "--scenario", "load"])).rejects.toThrow(
      /--schema applies to scenario user-schema/,
    );
    await expect(planOf(["--engine", "postgres", "--scenario", "user-schema"])).rejects.toThrow(
      /give their DDL with --schema FILE\.sql/,
    );
  });

  it("--image engine=REF (or the config's engines.<name>.image) names the user's image for that engine only", async () => {
    const dir = await makeTempDir();
    const file = join(dir, "i.config.ts");
    await writeFile(file, `export default { engines: { postgres: { image: "from/config:15" } } };\n`);
    const fromConfig = await planOf(["--config", file, "--scenario", "clean", "--method", "physical", "--rows", "5"]);
    expect(fromConfig.drills.map((d) => d.image)).toEqual(["from/config:15"]);
    const flag = await planOf(["--engine", "postgres,mosquitto", "--image", "postgres=my/postgis:15", "--rows", "5"]);
    expect(new Set(flag.drills.map((d) => `${d.engine}:${d.image ?? "-"}`))).toEqual(
      new Set(["postgres:my/postgis:15", "mosquitto:-"]),
    );
    await expect(planOf(["--engine", "postgres", "--image", "my/postgis:15"])).rejects.toThrow(
      /--image "my\/postgis:15": give it as engine=image/,
    );
    await expect(planOf(["--engine", "postgres", "--image", "mysql=x:1"])).rejects.toThrow(
      /--image mysql=x:1: unknown engine "mysql"/,
    );
  });

  it("--deep-verify (or the config's deepVerify) asks every drill for the deep verification, and its replay too", async () => {
    const asked = await planOf(["--engine", "neo4j", "--scenario", "clean", "--rows", "5", "--deep-verify"]);
    expect(asked.drills.map((d) => `${d.method}:${d.deepVerify}`)).toEqual(["dump:true", "cold-copy:true"]);
    expect(replayCommand(asked.drills[0]!, 7)).toMatch(/--scenario clean .*--deep-verify/);
    const dir = await makeTempDir();
    const file = join(dir, "d.config.ts");
    await writeFile(file, `export default { deepVerify: true };\n`);
    const fromConfig = await planOf(["--config", file, "--engine", "mosquitto", "--scenario", "clean", "--rows", "5"]);
    expect(fromConfig.drills.every((d) => d.deepVerify === true)).toBe(true);
    const plain = await planOf(["--engine", "neo4j", "--scenario", "clean", "--rows", "5"]);
    expect(plain.drills.map((d) => d.deepVerify)).toEqual([undefined, undefined]);
    expect(replayCommand(plain.drills[0]!, 7)).not.toContain("--deep-verify");
  });

  it("knows every engine's scenarios for config validation", () => {
    expect(vocabulary().engines.postgres!.scenarios).toContain("older-backup");
  });
});

describe("dr-drill usage errors", () => {
  it("a config file with rows: 0 exits 2 naming the file and the key", async () => {
    const file = join(await makeTempDir(), "zero.config.ts");
    await writeFile(file, "export default { rows: 0 };\n");
    const { code, stderr } = await mainOf(["run", "--engine", "postgres", "--config", file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}: rows must be a positive integer, got 0`);
  });

  it.each([
    [["run", "--engine", "mysql"], /--engine: unknown value "mysql"; known: postgres/],
    [["run", "--engine", "postgres", "--version", "9"], /--version: unknown value "9"; known: 15, 17/],
    [["run", "--engine", "postgres", "--rto", "soon"], /--rto "soon" is not a duration/],
    [["run", "--engine", "postgres", "--rows=-5"], /--rows must be a positive integer, got "-5"/],
    [["run", "--engine", "postgres", "--rows", "0"], /--rows must be a positive integer, got "0"/],
    [["run", "--engine", "postgres", "--writers", "1.5"], /--writers must be a non-negative integer, got "1.5"/],
    [["run", "--engine", "postgres", "--bogus"], /unknown option '--bogus'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["verify-report"], /missing required argument 'dir'/],
    [["run", "--engine", "postgres", "--config", "nowhere.config.ts"], /config file not found/],
  ])("%j exits 2 naming the problem", async (argv, message) => {
    const { code, stderr } = await mainOf(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
