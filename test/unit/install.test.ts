import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { realpathSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { installPackage, readmeConfig } from "./installed-package.ts";

/** Runs the installed command in `cwd`, with no dr-drill variables and nothing listening at DOCKER_HOST. */
async function installed(
  bin: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("DR_DRILL_")));
  const started = performance.now();
  const child = spawn(bin, args, {
    cwd,
    env: { ...env, DOCKER_HOST: "tcp://127.0.0.1:9" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number];
  return { code, stdout, stderr, ms: performance.now() - started };
}

describe("the package as a user installs it: npm pack, then npm install -g of the tarball in an empty directory", () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dr-drill-install-"));
    bin = await installPackage(dir);
  }, 600_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("dr-drill --help works, from the compiled JavaScript", async () => {
    const help = await installed(bin, ["--help"], dir);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: dr-drill [options] [command]");
    expect(help.stdout).toMatch(/\n {2}merge-reports /);
    // `npm run bench:cli` measures start-up; this only shows the figure.
    console.log(`installed dr-drill --help: ${Math.round(help.ms)} ms`);
    expect(realpathSync(bin)).toMatch(/\/lib\/node_modules\/dr-drill\/dist\/cli\/bin\.js$/);
    const files = await readdir(join(dir, "prefix", "lib", "node_modules", "dr-drill", "dist"), { recursive: true });
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files).toContain(join("protocols", "pg", "images", "Dockerfile"));
  });

  it("the evidence's schema ships in dist and its validator loads from the installed package (ajv a dependency)", async () => {
    const module = join(
      dir,
      "prefix",
      "lib",
      "node_modules",
      "dr-drill",
      "dist",
      "harness",
      "report",
      "evidence-schema.js",
    );
    const script = `const { runEvidenceValidator } = await import(${JSON.stringify(pathToFileURL(module).href)}); const v = await runEvidenceValidator(); console.log(v({}), v.errors.length > 0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: dir });
    expect(stdout.trim()).toBe("false true");
  });

  it("a usage error exits 2 naming the flag", async () => {
    const { code, stderr } = await installed(bin, ["run", "--engine", "postgres", "--rows", "-5"], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('--rows must be a positive integer, got "-5"');
  });

  it.each([
    ["a directory of no project (the global install's dr-drill/config is used)", null],
    ["an ES module project", { name: "app", version: "1.0.0", type: "module" }],
  ])("the README's dr-drill.config.ts loads in %s", async (_kind, packageJson) => {
    const project = join(dir, packageJson ? "esm-project" : "no-project");
    await mkdir(project);
    if (packageJson) await writeFile(join(project, "package.json"), JSON.stringify(packageJson));
    const config = await readmeConfig();
    await writeFile(join(project, "dr-drill.config.ts"), config);
    // The config loads and validates; the run then stops at the unknown engine, before Docker.
    const loaded = await installed(bin, ["run", "--engine", "nosuchengine"], project);
    expect(loaded.stderr).toMatch(/--engine: unknown value "nosuchengine"/);
    expect(loaded.code).toBe(2);
    // A bad key is reported by name: the file was really evaluated.
    await writeFile(
      join(project, "dr-drill.config.ts"),
      config.replace("defineConfig({", "defineConfig({\n  rowz: 5,"),
    );
    const bad = await installed(bin, ["run", "--engine", "postgres"], project);
    expect(bad.stderr).toContain(`${join(project, "dr-drill.config.ts")}: unknown key "rowz"`);
    expect(bad.code).toBe(2);
  });
});
