import { describe, expect, it } from "vitest";
import { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withRunOptions } from "../../cli/program.ts";
import { planRun, type RunOptions } from "../../cli/run.ts";
import { testedArtifact } from "../../harness/report/audit.ts";
import { writeRunReport } from "../../harness/report/write.ts";
import { ranAsPlanned, sampleDrillResult, sampleEvidence } from "./sample-evidence.ts";
import { makeTempDir } from "./support.ts";

const RUN = "2026-12-07T04-30-00-000Z-audit";
const GITHUB = {
  GITHUB_ACTIONS: "true",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "acme/db",
  GITHUB_RUN_ID: "4242",
  GITHUB_ACTOR: "nightly-bot",
  GITHUB_SHA: "f".repeat(40),
};

async function report(opts: {
  maxAgeMs: number;
  rtoMs: number;
  retention?: { days: number; source: string };
  drillMadeItsBackup?: boolean;
}) {
  const root = await makeTempDir();
  const drills = [
    await sampleDrillResult(
      root,
      sampleEvidence(RUN, {
        drillId: "drill-1",
        achieved: { rtoMs: opts.rtoMs, verifyMs: 1_000, rpoMs: null, writesLost: null },
        checks: [
          { name: "pg_verifybackup", valid: true, summary: "backup successfully verified" },
          { name: "pg_amcheck", valid: false, summary: "index people_pkey: block 3 is corrupt" },
        ],
      }),
    ),
  ];
  const started = new Date("2026-12-07T04:30:00Z");
  const { evidence, dir } = await writeRunReport({
    reportsRoot: root,
    runId: RUN,
    startedAt: started.toISOString(),
    endedAt: "2026-12-07T04:40:00.000Z",
    drills,
    ...ranAsPlanned(drills),
    targets: { rtoMs: 60_000 },
    artifactsTested: opts.drillMadeItsBackup
      ? []
      : [
          testedArtifact(
            {
              origin:
                "s3://backups/pg/nightly/2026-12-07.dump at http://s3.local (checked against s3://backups/pg/nightly/2026-12-07.dump.sha256)",
              sha256: "e".repeat(64),
              bytes: 1_234_567,
              modifiedAt: new Date("2026-12-06T08:00:00Z"),
            },
            started,
            opts.maxAgeMs,
          ),
        ],
    ...(opts.retention ? { retention: opts.retention } : {}),
    env: GITHUB,
  });
  return { evidence, dir };
}

describe("the audit statement", () => {
  it("says what was tested, its age, where, who ran it, each check, RTO against target, retention, verdict", async () => {
    const { evidence } = await report({ maxAgeMs: 26 * 3_600_000, rtoMs: 41_200 });
    expect(evidence.artifactsTested).toEqual([
      expect.objectContaining({ ageAtTestMs: 20.5 * 3_600_000, maxAgeMs: 26 * 3_600_000 }),
    ]);
    expect(evidence.statement).toEqual([
      "Artifact tested: s3://backups/pg/nightly/2026-12-07.dump at http://s3.local (checked against s3://backups/pg/nightly/2026-12-07.dump.sha256), 1,234,567 bytes, SHA-256 " +
        "e".repeat(64) +
        "; last written 2026-12-06T08:00:00.000Z, 20.5 h old when the test started, within the stated maximum age of 1 d 2 h.",
      `drill-1: postgres 15, the artifact above (physical, 1 file(s), the SHA-256 of each in evidence.json), restored into 15 in a fresh container from postgres:15 (sha256:${"a".repeat(64)}); RTO 41.2s against a target of 60.0s: met; result PASS, pass expected: met.`,
      "drill-1: check pg_verifybackup passed: backup successfully verified",
      "drill-1: check pg_amcheck FAILED: index people_pkey: block 3 is corrupt",
      expect.stringMatching(
        new RegExp(
          `^Run by dr-drill \\S+ .*as user \\S+ on host \\S+, in the CI job https://github.com/acme/db/actions/runs/4242 started by nightly-bot at commit ${"f".repeat(40)}\\.$`,
        ),
      ),
      `Run ${RUN} from 2026-12-07T04:30:00.000Z to 2026-12-07T04:40:00.000Z; overall result: PASS.`,
      "Keep this report until 2027-12-07 (365 days, dr-drill's default).",
    ]);
  });

  it("says plainly when the artifact was too old and the RTO target missed; the summary and the page carry it", async () => {
    const { evidence, dir } = await report({
      maxAgeMs: 12 * 3_600_000,
      rtoMs: 90_000,
      retention: { days: 2190, source: "--retention" },
    });
    const statement = evidence.statement!.join("\n");
    expect(statement).toContain("20.5 h old when the test started, NOT within the stated maximum age of 12.0 h.");
    expect(statement).toContain("RTO 90.0s against a target of 60.0s: MISSED");
    expect(statement).toContain("Keep this report until 2032-12-05 (2190 days, set by --retention).");
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(join(dir, "summary.md"), "utf8")).toContain("- Keep this report until 2032-12-05");
    expect(await readFile(join(dir, "report.html"), "utf8")).toContain("NOT within the stated maximum age of 12.0 h");
  });

  it("for a drill, says the drill made the backup itself, and when", async () => {
    const { evidence } = await report({ maxAgeMs: 0, rtoMs: 1_000, drillMadeItsBackup: true });
    expect(evidence.statement![0]).toMatch(
      /^drill-1: postgres 15, backed up by the drill itself with physical between \S+Z and \S+Z \(1 file\(s\)/,
    );
    expect(evidence.statement!.join("\n")).not.toContain("Artifact tested");
  });
});

describe("--retention", () => {
  const planOf = (argv: string[]) =>
    planRun(withRunOptions(new Command("run")).parse(argv, { from: "user" }).opts<RunOptions>());

  it("comes from the flag, else the config's retention, else the default", async () => {
    const dir = await makeTempDir();
    const file = join(dir, "c.config.ts");
    await writeFile(file, `export default { retention: "400d" };\n`);
    expect((await planOf(["--engine", "postgres", "--retention", "30d"])).retention).toEqual({
      days: 30,
      source: "--retention",
    });
    expect((await planOf(["--engine", "postgres", "--config", file])).retention).toEqual({
      days: 400,
      source: `${file}: retention`,
    });
    expect((await planOf(["--engine", "postgres", "--reports", join(dir, "r")])).retention).toBeUndefined();
    expect(() => planOf(["--engine", "postgres", "--retention", "a year"])).toThrow(
      /--retention "a year" is not a duration/,
    );
  });
});
