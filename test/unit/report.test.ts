import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { execFileSync } from "node:child_process";
import { appendFile, lstat, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { writeRunReport } from "../../harness/report/write.ts";
import { sealDirectory, verifyDirectory } from "../../harness/report/manifest.ts";
import { runDrill } from "../../harness/drill.ts";
import { MemoryEngine } from "../../engines/memory/index.ts";
import { registerSecret } from "../../harness/secrets.ts";
import { InvalidEvidenceError, runEvidenceValidator as schemaValidator } from "../../harness/report/evidence-schema.ts";
import { makeTempDir } from "./support.ts";
import {
  sampleDrillResult,
  judged,
  plannedOf,
  ranAsPlanned,
  sampleEvidence,
  writeReportOf,
} from "./sample-evidence.ts";

const RUN = "2026-11-22T01-00-00-000-abcd";

type Coverage = Pick<Parameters<typeof writeRunReport>[0], "planned" | "interrupted">;

async function report(
  opts: {
    signed?: boolean;
    env?: NodeJS.ProcessEnv;
    drills?: Parameters<typeof sampleEvidence>[1][];
    coverage?: (ran: Awaited<ReturnType<typeof sampleDrillResult>>[]) => Coverage;
  } = {},
) {
  const root = await makeTempDir();
  const keys = generateKeyPairSync("ed25519");
  const drills = await Promise.all(
    (opts.drills ?? [{}]).map((o, i) => sampleDrillResult(root, sampleEvidence(RUN, { drillId: `drill-${i}`, ...o }))),
  );
  const written = await writeReportOf(root, RUN, drills, {
    ...opts.coverage?.(drills),
    targets: { rtoMs: 60_000 },
    signingKey: opts.signed ? keys.privateKey : undefined,
    env: opts.env ?? {},
  });
  return { root, dir: written.dir, written, keys };
}

describe("run report directory", () => {
  it("holds every report file and an evidence.json valid against the JSON Schema", async () => {
    const { dir } = await report();
    expect((await readdir(dir)).sort()).toEqual([
      "drill-0",
      "evidence.json",
      "junit.xml",
      "manifest.sha256",
      "report.html",
      "summary.md",
    ]);
    const validate = await schemaValidator();
    const evidence = JSON.parse(await readFile(join(dir, "evidence.json"), "utf8"));
    expect(validate(evidence), JSON.stringify(validate.errors)).toBe(true);
    // The schema is strict: an unknown field is refused.
    expect(validate({ ...evidence, surprise: 1 })).toBe(false);
  });

  it("refuses an evidence its schema refuses: the error names the field, and nothing is written, sealed or counted", async () => {
    const root = await makeTempDir();
    const drills = [await sampleDrillResult(root, sampleEvidence(RUN, { drillId: "drill-0", startedAt: "yesterday" }))];
    // The run's own start is valid: only the drill's is not.
    const write = writeReportOf(root, RUN, drills, { startedAt: "2026-11-22T01:00:00.000Z" });
    await expect(write).rejects.toThrow(InvalidEvidenceError);
    await expect(write).rejects.toThrow(/\/drills\/0\/startedAt must match format "date-time"/);
    expect(await readdir(join(root, RUN))).toEqual(["drill-0"]);
    expect(await readdir(root)).toEqual([RUN]);
  });

  it("verifies unchanged, and fails on a one-byte change, a missing file, an extra file", async () => {
    const { dir } = await report();
    expect(await verifyDirectory(dir)).toMatchObject({ ok: true, signature: "absent" });
    const html = await readFile(join(dir, "report.html"));
    html[100] = html[100]! ^ 0x01;
    await writeFile(join(dir, "report.html"), html);
    expect((await verifyDirectory(dir)).problems).toEqual(["changed: report.html"]);
    html[100] = html[100]! ^ 0x01;
    await writeFile(join(dir, "report.html"), html);
    await writeFile(join(dir, "extra.txt"), "x");
    expect((await verifyDirectory(dir)).problems).toEqual(["not in the manifest: extra.txt"]);
  });

  it("a signed report fails verification with a symbolic link to a forged file, a fifo, or a link in place of a listed file", async () => {
    const { root, dir, keys } = await report({ signed: true });
    expect(await verifyDirectory(dir, keys.publicKey)).toMatchObject({ ok: true, signature: "valid" });
    const forged = join(root, "forged-evidence.json");
    await writeFile(forged, JSON.stringify({ verdict: "pass" }));
    await symlink(forged, join(dir, "drill-0", "evidence-forged.json"));
    expect(await verifyDirectory(dir, keys.publicKey)).toMatchObject({
      ok: false,
      signature: "valid",
      problems: ["not a regular file: drill-0/evidence-forged.json (symbolic link)"],
    });
    await rm(join(dir, "drill-0", "evidence-forged.json"));
    execFileSync("mkfifo", [join(dir, "pipe")]);
    expect((await verifyDirectory(dir, keys.publicKey)).problems).toEqual(["not a regular file: pipe (fifo)"]);
    await rm(join(dir, "pipe"));
    await rename(join(dir, "summary.md"), join(root, "summary.md"));
    await symlink(join(root, "summary.md"), join(dir, "summary.md"));
    expect((await verifyDirectory(dir, keys.publicKey)).problems).toEqual([
      "missing: summary.md",
      "not a regular file: summary.md (symbolic link)",
    ]);
    // Sealing such a directory is refused rather than making a seal verify-report would refuse.
    await expect(sealDirectory(dir)).rejects.toThrow(
      /cannot seal .*: a report holds regular files only, not summary.md \(symbolic link\)/,
    );
  });

  it("a run directory holds only regular files: the reports root's `latest` link is outside it", async () => {
    const root = await makeTempDir();
    const drill = await runDrill({
      scenario: "unit",
      engine: new MemoryEngine("1"),
      rows: 50,
      seed: 3,
      reportsDir: root,
      runId: RUN,
      replayCommand: (seed) => `replay ${seed}`,
      sink: { line: () => undefined },
    });
    const { dir } = await writeReportOf(root, RUN, [drill]);
    expect((await lstat(join(root, "latest"))).isSymbolicLink()).toBe(true);
    expect(await verifyDirectory(dir)).toMatchObject({ ok: true, problems: [] });
  });

  it("signs the manifest: the right key verifies, a wrong key or no key does not", async () => {
    const { dir, keys } = await report({ signed: true });
    expect(await verifyDirectory(dir, keys.publicKey)).toMatchObject({ ok: true, signature: "valid" });
    const other = generateKeyPairSync("ed25519");
    expect(await verifyDirectory(dir, other.publicKey)).toMatchObject({ ok: false, signature: "invalid" });
    expect(await verifyDirectory(dir)).toMatchObject({ ok: false, signature: "unchecked" });
    await appendFile(join(dir, "manifest.sha256"), `${"0".repeat(64)}  forged.txt\n`);
    expect((await verifyDirectory(dir, keys.publicKey)).signature).toBe("invalid");
  });

  it("never shows a secret: planted token, password and key are redacted from every file", async () => {
    const password = "planted-engine-password-7f3a";
    registerSecret(password);
    const token = "ghp_plantedTokenValue0123456789";
    const env = { GITHUB_TOKEN: token, DB_PASSWORD: "planted-db-password-99", GITHUB_STEP_SUMMARY: "" };
    const leaky = sampleEvidence(RUN, {
      drillId: "leaky",
      checks: [
        {
          name: "restore",
          valid: false,
          summary: `FATAL: password authentication failed: ${password} ${token}`,
          examples: ["planted-db-password-99"],
        },
      ],
      verdict: "fail",
      expectation: judged("pass", false),
      reasons: [`restore: ${password}`],
    });
    const root = await makeTempDir();
    const drill = await sampleDrillResult(root, leaky);
    const failed = {
      seq: 9,
      process: "writer-0",
      op: "insert",
      invokeAt: 7_000,
      completeAt: 7_100,
      outcome: "info",
      writes: [{ key: "people/5", digest: "*" }],
      error: `auth ${token}`,
    };
    await appendFile(join(drill.dir, "ledger.jsonl"), JSON.stringify(failed) + "\n");
    const stepSummary = join(root, "step-summary.md");
    await writeFile(stepSummary, "");
    const { dir } = await writeReportOf(root, RUN, [drill], { env: { ...env, GITHUB_STEP_SUMMARY: stepSummary } });
    const files = (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(6);
    for (const file of files) {
      const text = await readFile(file, "utf8");
      for (const secret of [password, token, "planted-db-password-99"])
        expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    expect(await readFile(join(dir, "summary.md"), "utf8")).toContain("[redacted]");
    expect(await verifyDirectory(dir)).toMatchObject({ ok: true });
  });

  it("junit.xml fails only drills that missed their expectation, with escaped text", async () => {
    const { dir } = await report({
      drills: [
        {},
        { verdict: "fail", expectation: judged("pass", false), reasons: [`ledger-oracle: 3 lost <&"'>`] },
        {
          verdict: "fail",
          expectation: judged("detects", true),
          reasons: ["ledger-oracle: 1 corrupt"],
          faults: [{ fault: "flip-bytes", target: "base/1/2", detail: {}, expected: "detects", observed: "detected" }],
        },
      ],
    });
    const xml = await readFile(join(dir, "junit.xml"), "utf8");
    expect(xml).toMatch(/<testsuites name="dr-drill" tests="3" failures="1" errors="0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain("3 lost &lt;&amp;&quot;&apos;&gt;");
    const run = JSON.parse(await readFile(join(dir, "evidence.json"), "utf8"));
    expect(run).toMatchObject({ verdict: "fail", counts: { drills: 3, passed: 2, failed: 1, unknown: 0 } });
  });

  it("report.html colours a fault by the one judgement: an undecided fault is not met", async () => {
    const fault = { fault: "flip-bytes", target: "base/1/2", detail: {}, expected: "detects" as const };
    const undecided = {
      ...judged("detects", false),
      observed: "undecided" as const,
      why: "undecided: a checker crashed",
    };
    const { dir } = await report({
      drills: [
        {
          verdict: "unknown",
          expectation: undecided,
          reasons: ["invariants: checker crashed: TypeError"],
          faults: [{ ...fault, observed: "undecided" }],
        },
        {
          verdict: "fail",
          expectation: judged("detects", true),
          reasons: ["ledger-oracle: 1 corrupt"],
          faults: [{ ...fault, observed: "detected" }],
        },
      ],
    });
    const html = await readFile(join(dir, "report.html"), "utf8");
    expect(html).toContain('<td class="missed">undecided</td>');
    expect(html).toContain('<td class="met">detected</td>');
    expect(html).not.toContain('<td class="met">undecided</td>');
  });

  it("a run whose every drill passed is UNKNOWN, not PASS, when a planned drill did not run or the run was interrupted", async () => {
    const skipped = sampleEvidence(RUN, {
      drillId: "never-ran",
      scenario: "matrix",
      scope: { ...sampleEvidence(RUN).scope, restoreTarget: { version: "17", images: [] } },
    });
    const withSkipped = (ran: { evidence: typeof skipped }[]) => ({
      planned: [...ranAsPlanned(ran).planned, plannedOf(skipped, null)],
      interrupted: null,
    });
    const { dir, written } = await report({ drills: [{}, {}], coverage: withSkipped });
    expect(written.evidence).toMatchObject({
      verdict: "unknown",
      counts: { drills: 2, passed: 2 },
      planned: { count: 3 },
      interrupted: null,
    });
    expect(await readFile(join(dir, "junit.xml"), "utf8")).toMatch(
      /tests="3" failures="0" errors="1"[\s\S]*name="postgres 15→17 physical matrix \(not run\)"[\s\S]*<error type="not-run" message="not run: the run ended before it"/,
    );
    expect(await readFile(join(dir, "summary.md"), "utf8")).toContain(
      "Incomplete run, so not a pass: 2 of 3 planned drill(s) ran; not run: postgres 15→17 physical matrix.",
    );
    const validate = await schemaValidator();
    expect(
      validate(JSON.parse(await readFile(join(dir, "evidence.json"), "utf8"))),
      JSON.stringify(validate.errors),
    ).toBe(true);

    const stopped = await report({
      coverage: (ran) => ({ ...ranAsPlanned(ran), interrupted: "interrupted by SIGTERM" }),
    });
    expect(stopped.written.evidence).toMatchObject({ verdict: "unknown", counts: { drills: 1, passed: 1 } });
  });

  it("summary.md goes to GITHUB_STEP_SUMMARY and the history feeds the next report's trend", async () => {
    const root = await makeTempDir();
    const stepSummary = join(root, "step.md");
    await writeFile(stepSummary, "before\n");
    for (const runId of ["run-a", "run-b"]) {
      const drill = await sampleDrillResult(root, sampleEvidence(runId));
      await writeReportOf(root, runId, [drill], { env: { GITHUB_STEP_SUMMARY: stepSummary } });
    }
    const step = await readFile(stepSummary, "utf8");
    expect(step.startsWith("before\n")).toBe(true);
    expect(step.match(/## dr-drill/g)).toHaveLength(2);
    expect((await readFile(join(root, "history.jsonl"), "utf8")).trim().split("\n")).toHaveLength(2);
    const html = await readFile(join(root, "run-b", "report.html"), "utf8");
    expect(html).toContain("last 2 run(s)");
    expect(html.match(/<polyline class="trend"/g)).toHaveLength(1);
  });

  it("draws the compatibility matrix only when a drill restored into another version", async () => {
    const same = await report();
    expect(JSON.parse(await readFile(join(same.dir, "evidence.json"), "utf8")).matrix).toBeNull();
    const base = sampleEvidence(RUN);
    const cross = await report({
      drills: [{ scope: { ...base.scope, restoreTarget: { version: "17", images: [] } } }],
    });
    const run = JSON.parse(await readFile(join(cross.dir, "evidence.json"), "utf8"));
    expect(run.matrix).toEqual([expect.objectContaining({ from: "15", to: "17", verdict: "pass" })]);
    expect(await readFile(join(cross.dir, "report.html"), "utf8")).toContain("Version compatibility");
  });
});
