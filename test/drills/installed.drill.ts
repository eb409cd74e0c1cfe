import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunEvidence } from "../../harness/report/run-evidence.ts";
import { installPackage } from "../unit/installed-package.ts";

describe("the package as a user installs it runs a real drill", () => {
  it("npm pack, npm install -g of the tarball, then dr-drill run --engine postgres --scenario clean --rows 1000", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dr-drill-installed-"));
    const bin = await installPackage(dir);
    const reports = join(dir, "reports");
    const child = spawn(
      bin,
      ["run", "--engine", "postgres", "--scenario", "clean", "--rows", "1000", "--reports", reports],
      { cwd: join(dir, "empty"), stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const [code] = (await once(child, "exit")) as [number];
    expect(code, output).toBe(0);
    const run = JSON.parse(
      await readFile(join(reports, await readlink(join(reports, "latest")), "evidence.json"), "utf8"),
    ) as RunEvidence;
    expect(run.verdict).toBe("pass");
    expect(
      run.drills.map((d) => `${d.scope.engine} ${d.scope.backupMethod} ${d.scenario} ${d.verdict}`).sort(),
    ).toEqual(["postgres logical clean pass", "postgres physical clean pass"]);
    // Installed from a tarball, dr-drill runs from no checkout of its own: no commit to name.
    expect(run.tool).toEqual({
      name: "dr-drill",
      version: JSON.parse(await readFile("package.json", "utf8")).version,
      commit: null,
    });
    await rm(dir, { recursive: true, force: true });
  });
});
