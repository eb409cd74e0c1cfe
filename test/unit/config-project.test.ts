import { describe, expect, it } from "vitest";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO, drDrill } from "./cli-process.ts";
import { readmeConfig } from "./installed-package.ts";
import { makeTempDir } from "./support.ts";

/** A user's project with dr-drill installed as a dependency. */
async function project(packageJson: object): Promise<string> {
  const dir = await makeTempDir("dr-drill-project-");
  await writeFile(join(dir, "package.json"), JSON.stringify(packageJson));
  await mkdir(join(dir, "node_modules"));
  await symlink(REPO, join(dir, "node_modules", "dr-drill"), "dir");
  return dir;
}

describe("the README's dr-drill.config.ts loads in the user's project", () => {
  it.each([
    ["CommonJS", { name: "app", version: "1.0.0" }],
    ["ES module", { name: "app", version: "1.0.0", type: "module" }],
  ])("%s project", async (_kind, packageJson) => {
    const dir = await project(packageJson);
    const config = await readmeConfig();
    await writeFile(join(dir, "dr-drill.config.ts"), config);
    // The config loads and validates; the run then stops at the unknown engine, before Docker.
    const loaded = await drDrill(["run", "--engine", "nosuchengine"], { cwd: dir });
    expect(loaded.stderr).toMatch(/--engine: unknown value "nosuchengine"/);
    expect(loaded.code).toBe(2);
    // A bad key is reported by name: the file was really evaluated.
    await writeFile(join(dir, "dr-drill.config.ts"), config.replace("defineConfig({", "defineConfig({\n  rowz: 5,"));
    const bad = await drDrill(["run", "--engine", "nosuchengine"], { cwd: dir });
    expect(bad.stderr).toContain(`${join(dir, "dr-drill.config.ts")}: unknown key "rowz"`);
    expect(bad.code).toBe(2);
  });
});
