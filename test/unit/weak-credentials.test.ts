import { describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { verifyDirectory } from "../../harness/report/manifest.ts";
import { runEvidenceValidator as schemaValidator } from "../../harness/report/evidence-schema.ts";
import { makeTempDir } from "./support.ts";
import { sampleDrillResult, sampleEvidence, writeReportOf } from "./sample-evidence.ts";

const RUN = "2026-11-23T01-00-00-000-weak";

describe("a weak secret is named, not blanked across the report", () => {
  it("PGPASSWORD=postgres leaves every 'postgres' intact and is listed; a strong secret is still gone from every file", async () => {
    const strong = "planted-Strong-token-4c9e1d";
    const root = await makeTempDir();
    const drill = await sampleDrillResult(
      root,
      sampleEvidence(RUN, { reasons: [`restore: auth failed for ${strong}`] }),
    );
    const env = { PGPASSWORD: "postgres", CI_TOKEN: strong };
    const { dir } = await writeReportOf(root, RUN, [drill], { env });

    const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    for (const file of files) {
      const text = await readFile(file, "utf8");
      expect(text.includes(strong), `${strong} in ${file}`).toBe(false);
      // The strong secret is the only thing blanked: nothing that named the engine was.
      expect(text.replaceAll("auth failed for [redacted]", ""), file).not.toContain("[redacted]");
    }
    for (const name of [
      "evidence.json",
      "report.html",
      "junit.xml",
      "summary.md",
      `${drill.evidence.drillId}/evidence.json`,
    ]) {
      expect(await readFile(join(dir, name), "utf8"), name).toContain("postgres");
    }
    const evidence = JSON.parse(await readFile(join(dir, "evidence.json"), "utf8"));
    expect(evidence.weakCredentials).toEqual([
      { source: "environment variable PGPASSWORD", reason: "a well-known default password" },
    ]);
    expect(evidence.drills[0].replay.command).toBe(drill.evidence.replay.command);
    const validate = await schemaValidator();
    expect(validate(evidence), JSON.stringify(validate.errors)).toBe(true);
    expect(await readFile(join(dir, "summary.md"), "utf8")).toMatch(
      /### Weak credentials\n\n.*long random value.*\n\n- environment variable PGPASSWORD: a well-known default password/,
    );
    expect(await readFile(join(dir, "report.html"), "utf8")).toContain("<h2>Weak credentials</h2>");
    expect(await verifyDirectory(dir)).toMatchObject({ ok: true });
  });

  it("a report with no weak secret has no such section", async () => {
    const root = await makeTempDir();
    const drill = await sampleDrillResult(root, sampleEvidence(RUN));
    const { dir } = await writeReportOf(root, RUN, [drill]);
    expect(JSON.parse(await readFile(join(dir, "evidence.json"), "utf8")).weakCredentials).toEqual([]);
    expect(await readFile(join(dir, "summary.md"), "utf8")).not.toContain("Weak credentials");
    expect(await readFile(join(dir, "report.html"), "utf8")).not.toContain("Weak credentials");
  });
});
