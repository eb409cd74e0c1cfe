import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO, drDrill, fakeDocker, mainOf } from "./cli-process.ts";
import { sampleEvidence } from "./sample-evidence.ts";
import { makeTempDir } from "./support.ts";

/** Every command, with an option its help must list (null: it has none of its own). */
const COMMANDS: [command: string, option: string | null][] = [
  ["run", "--rows <n>"],
  ["list", null],
  ["replay", "--reports <dir>"],
  ["verify-report", "--public-key <file>"],
  ["merge-reports", "--out <dir>"],
  ["keygen", "--out <dir>"],
  ["setup", "--no-images"],
  ["cleanup", null],
];

describe("dr-drill <command> --help", () => {
  it.each(COMMANDS)("%s --help prints its usage and options, exit 0", async (command, option) => {
    const { code, stdout, stderr } = await mainOf([command, "--help"]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Usage: dr-drill ${command}`);
    expect(stdout).toContain("-h, --help");
    if (option) expect(stdout).toContain(option);
  });

  it("dr-drill --help lists every command; no command at all prints the same and exits 2", async () => {
    const help = await mainOf(["--help"]);
    expect(help.code).toBe(0);
    for (const [command] of COMMANDS) expect(help.stdout).toMatch(new RegExp(`\\n  ${command} `));
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*130 +interrupted/);
    const bare = await mainOf([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe(help.stdout);
  });
});

describe("bad input exits 2 naming the flag or key", () => {
  // Each command's line is otherwise complete: the one wrong flag is what is reported.
  const complete: Record<string, string[]> = {
    run: ["--engine", "postgres"],
    replay: ["123"],
    "verify-report": ["dir"],
    "merge-reports": ["dir", "--out", "merged"],
  };
  it.each(COMMANDS.map(([command]) => command))("%s refuses an unknown flag", async (command) => {
    const { code, stderr } = await mainOf([command, ...(complete[command] ?? []), "--bogus"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--bogus'");
  });

  it.each([
    [["--rows", "-5"], '--rows must be a positive integer, got "-5"'],
    [["--rows", "1e3x"], '--rows must be a positive integer, got "1e3x"'],
    [["--rows", "1e3"], '--rows must be a positive integer, got "1e3"'],
    [["--rows", "0x10"], '--rows must be a positive integer, got "0x10"'],
    [["--writers", "-1"], '--writers must be a non-negative integer, got "-1"'],
    [["--writers", "abc"], '--writers must be a non-negative integer, got "abc"'],
    [["--seed", "1.5"], '--seed must be a non-negative integer, got "1.5"'],
    [["--rto", "2 minutes"], '--rto "2 minutes" is not a duration'],
    [["--rpo", "-1s"], '--rpo "-1s" is not a duration'],
    [["--shard", "1/x"], '--shard "1/x" is not index/count'],
    [["--rows"], "option '--rows <n>' argument missing"],
  ])("run %j", async (args, message) => {
    const { code, stderr } = await mainOf(["run", "--engine", "postgres", ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("a config value's error names the config key, not the flag", async () => {
    const file = join(await makeTempDir(), "dr-drill.config.ts");
    await writeFile(file, `export default { targets: { rto: "90s", rpo: "2 minutes" } };\n`);
    const { code, stderr } = await mainOf(["run", "--engine", "postgres", "--config", file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}: targets.rpo "2 minutes" is not a duration`);
    expect(stderr).not.toContain("--rpo");
    await writeFile(file, `export default { targets: { rto: "2 minutes" } };\n`);
    expect((await mainOf(["run", "--engine", "postgres", "--config", file])).stderr).toContain(
      `${file}: targets.rto "2 minutes" is not a duration`,
    );
    // The flag overrides the config, so the config's value is not looked at.
    const overridden = await mainOf(["run", "--engine", "postgres", "--config", file, "--rto", "1x"]);
    expect(overridden.stderr).toContain('--rto "1x" is not a duration');
  });

  it.each([
    [["--engine", "postgre"], '--engine: unknown value "postgre"; did you mean "postgres"?'],
    [
      ["--engine", "postgres", "--scenario", "flip-bite"],
      '--scenario: unknown value "flip-bite"; did you mean "flip-byte"?',
    ],
    [["--engine", "postgres", "--scenario", "load,clen"], '--scenario: unknown value "clen"; did you mean "clean"?'],
    [
      ["--engine", "postgres,questdb", "--scenario", "recovery-of"],
      '--scenario: unknown value "recovery-of"; did you mean "recovery-off"?',
    ],
  ])("did you mean: run %j", async (args, message) => {
    const { code, stderr } = await mainOf(["run", ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("a name nothing is close to gets the list, not a guess", async () => {
    const { code, stderr } = await mainOf(["run", "--engine", "oracle"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--engine: unknown value "oracle"; known: postgres, /);
  });
});

describe("directories the command writes into are checked before anything starts", () => {
  let docker: Awaited<ReturnType<typeof fakeDocker>>;
  beforeAll(async () => (docker = await fakeDocker()));
  afterAll(() => docker.close());

  it("--reports (or the config's reports) under a file exits 2 naming it, before Docker is asked anything", async () => {
    const dir = await makeTempDir();
    const file = join(dir, "a-file");
    await writeFile(file, "");
    const reports = join(file, "reports");
    const byFlag = await drDrill(["run", "--engine", "postgres", "--scenario", "clean", "--reports", reports], {
      env: { DOCKER_HOST: docker.host },
    });
    expect(byFlag.code, byFlag.stderr).toBe(2);
    expect(byFlag.stderr).toContain(`--reports: ${reports} cannot be a directory: ${file} is a file`);
    const config = join(dir, "dr-drill.config.ts");
    await writeFile(config, `export default { reports: ${JSON.stringify(file)} };\n`);
    const byConfig = await drDrill(["run", "--engine", "postgres", "--scenario", "clean"], {
      cwd: dir,
      env: { DOCKER_HOST: docker.host },
    });
    expect(byConfig.code, byConfig.stderr).toBe(2);
    expect(byConfig.stderr).toContain(`${config}: reports: ${file} cannot be a directory: ${file} is a file`);
    expect(docker.requests).toEqual([]);
  });

  it("replay of an evidence whose image mode is not one exits 2 naming it, before Docker is asked anything", async () => {
    const reports = await makeTempDir();
    const args = {
      engine: "postgres",
      version: "17",
      method: "logical",
      scenario: "clean",
      restoreInto: null,
      rows: 10,
      writers: 2,
      images: "cloud",
    };
    // Written as a file would be read back: the type of a drill's record does not admit the bad mode.
    const drill = {
      ...sampleEvidence("run-1", { drillId: "drill-1" }),
      replay: { seed: 42, command: "npx dr-drill run --engine postgres", args },
    };
    await mkdir(join(reports, "run-1"));
    await writeFile(join(reports, "run-1", "evidence.json"), JSON.stringify({ drills: [drill] }));
    const { code, stderr } = await drDrill(["replay", "drill-1", "--reports", reports], {
      env: { DOCKER_HOST: docker.host },
    });
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(`drill drill-1's replay.args.images: unknown image mode "cloud"`);
    expect(docker.requests).toEqual([]);
  });

  it("keygen --out under a file exits 2 naming it and writes nothing; a new directory is made", async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir, "a-file"), "");
    const refused = await mainOf(["keygen", "--out", join(dir, "a-file", "keys")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--out: ${join(dir, "a-file", "keys")} cannot be a directory`);
    expect(await readdir(dir)).toEqual(["a-file"]);
    const made = await mainOf(["keygen", "--out", join(dir, "new", "keys")]);
    expect(made.code, made.stderr).toBe(0);
    expect((await readdir(join(dir, "new", "keys"))).sort()).toEqual([
      "dr-drill-signing.key.pem",
      "dr-drill-signing.pub.pem",
    ]);
  });
});

/** The CommonJS modules loaded by `body` (which returns an exit code), run in a process of its own through tsx. */
async function modulesLoadedBy(body: string): Promise<{ code: number; modules: string[] }> {
  const script = `
    import { createRequire } from "node:module";
    const code = await (async () => { ${body} })();
    process.stderr.write("\\nMODULES " + JSON.stringify(Object.keys(createRequire(process.cwd() + "/").cache)) + " EXIT " + code + "\\n");`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO,
    env: { ...process.env, DOCKER_HOST: "tcp://127.0.0.1:9" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  await once(child, "exit");
  const m = /MODULES (\[.*\]) EXIT (\d+)/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return { code: Number(m![2]), modules: JSON.parse(m![1]!) as string[] };
}

const commandLine = (argv: string[]) =>
  `return (await import(${JSON.stringify(`${REPO}/cli/main.ts`)})).main(${JSON.stringify(argv)});`;
const DRIVERS = /node_modules\/(pg|mongodb|neo4j-driver|mqtt|@eventstore|@kurrent|@questdb|testcontainers)\//;

describe("engines' drivers load only for a drill", () => {
  it.each([
    [["--help"], 0, false],
    [["run", "--help"], 0, false],
    [["run", "--engine", "postgres", "--rows", "-5"], 2, false],
    [["run", "--engine", "postgre"], 2, false],
    // list asks Docker (here: nothing listens) what it has, so it needs Docker's client, and still no driver.
    [["list"], 0, true],
  ])("%j loads no engine driver", async (argv, code, docker) => {
    const loaded = await modulesLoadedBy(commandLine(argv));
    expect(loaded.code).toBe(code);
    expect(loaded.modules.filter((m) => DRIVERS.test(m))).toEqual([]);
    expect(loaded.modules.some((m) => m.includes("/node_modules/dockerode/"))).toBe(docker);
  });

  it("the check sees a driver: loading the postgres engine's scenarios loads pg and testcontainers", async () => {
    const loaded = await modulesLoadedBy(
      `await (await import(${JSON.stringify(`${REPO}/engines/index.ts`)})).ENGINES.postgres.load(); return 0;`,
    );
    expect(loaded.modules.some((m) => m.includes("/node_modules/pg/"))).toBe(true);
    expect(loaded.modules.some((m) => m.includes("/node_modules/testcontainers/"))).toBe(true);
  });
});
