import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { runDrill, type DrillResult } from "../../harness/drill.ts";
import { InputError } from "../../harness/errors.ts";
import { sealDirectory, verifyDirectory } from "../../harness/report/manifest.ts";
import { ShardRejected, mergeReports } from "../../harness/report/merge.ts";
import type { RunEvidence } from "../../harness/report/run-evidence.ts";
import { writeRunReport } from "../../harness/report/write.ts";
import { MemoryEngine, dropKeys } from "../../engines/memory/index.ts";
import { UsageError } from "../../cli/args.ts";
import { parseShard, runNonce, sliceForShard } from "../../cli/shard.ts";
import { drDrill, fakeDocker } from "./cli-process.ts";
import { runEvidenceValidator as schemaValidator } from "../../harness/report/evidence-schema.ts";
import { plannedOf, ranAsPlanned } from "./sample-evidence.ts";
import { makeTempDir } from "./support.ts";

const quiet = { line: () => undefined };

describe("--shard i/n", () => {
  it("reads index/count and refuses anything else, saying what is accepted", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    expect(parseShard(" 1 / 1 ")).toEqual({ index: 1, count: 1 });
    for (const [value, message] of [
      ["2", /is not index\/count; use e.g. --shard 1\/2/],
      ["a/b", /is not index\/count/],
      ["-1/2", /is not index\/count/],
      ["0/2", /the index must be between 1 and 2 \(shards count from 1\)/],
      ["3/2", /the index must be between 1 and 2/],
      ["1/0", /the count must be between 1 and 1000/],
    ] as const) {
      expect(() => parseShard(value)).toThrow(UsageError);
      expect(() => parseShard(value)).toThrow(message);
    }
  });

  it("deals every drill of the plan to exactly one shard, the same way every time, under one plan digest", () => {
    const plan = Array.from({ length: 7 }, (_, i) => ({ engine: i < 4 ? "postgres" : "questdb", scenario: `s${i}` }));
    const shards = [1, 2, 3].map((index) => sliceForShard(plan, { index, count: 3 }, "run-1"));
    expect(shards.map((s) => s.drills.map((d) => d.scenario))).toEqual([
      ["s0", "s3", "s6"],
      ["s1", "s4"],
      ["s2", "s5"],
    ]);
    expect(shards.flatMap((s) => s.drills).sort((a, b) => a.scenario.localeCompare(b.scenario))).toEqual(plan);
    expect(new Set(shards.map((s) => s.shard.plan)).size).toBe(1);
    expect(shards[0]!.shard).toMatchObject({ index: 1, count: 3, planned: 7, run: "run-1" });
    expect(sliceForShard(plan, { index: 2, count: 3 }, "run-1")).toEqual(shards[1]);
    // Another selection is another plan: its shards are not taken for this one's.
    expect(sliceForShard(plan.slice(1), { index: 1, count: 3 }, "run-1").shard.plan).not.toBe(shards[0]!.shard.plan);
    // More shards than drills: the extra shards are empty, not an error (a CI matrix has a fixed width).
    expect(sliceForShard(plan.slice(0, 1), { index: 2, count: 2 }, "run-1").drills).toEqual([]);
  });

  it("binds every shard to one run by a nonce: given, or the CI run and attempt every job of it shares", () => {
    const github = {
      GITHUB_ACTIONS: "true",
      GITHUB_REPOSITORY: "acme/dr",
      GITHUB_RUN_ID: "9001",
      GITHUB_RUN_ATTEMPT: "2",
    };
    expect(runNonce("nightly-42", github)).toBe("nightly-42");
    expect(runNonce(undefined, { ...github, DR_DRILL_RUN_NONCE: "from-env" })).toBe("from-env");
    expect(runNonce(undefined, github)).toBe("github:acme/dr/actions/runs/9001/attempts/2");
    // A re-run is another attempt: its shards are not merged with the first attempt's.
    expect(runNonce(undefined, { ...github, GITHUB_RUN_ATTEMPT: "3" })).not.toBe(runNonce(undefined, github));
    expect(runNonce(undefined, { GITLAB_CI: "true", CI_PROJECT_PATH: "acme/dr", CI_PIPELINE_ID: "77" })).toBe(
      "gitlab:acme/dr/pipelines/77",
    );
    expect(() => runNonce(undefined, {})).toThrow(
      /--shard needs a run nonce that every shard of this run shares and no other run does: give --run-nonce/,
    );
    expect(() => runNonce("two words", {})).toThrow(UsageError);
  });

  describe("on the command line", () => {
    let docker: Awaited<ReturnType<typeof fakeDocker>>;
    beforeAll(async () => (docker = await fakeDocker()));
    afterAll(() => docker.close());

    it("a bad --shard exits 2 before Docker is asked anything", async () => {
      const { code, stderr } = await drDrill(["run", "--engine", "postgres", "--shard", "3/2"], {
        env: { DOCKER_HOST: docker.host },
      });
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/--shard "3\/2": the index must be between 1 and 2/);
      expect(docker.requests).toEqual([]);
    });

    it("a shard without a run nonce exits 2 before Docker is asked anything, and so does a nonce without --shard", async () => {
      const outsideCi = { DOCKER_HOST: docker.host, GITHUB_ACTIONS: "", GITLAB_CI: "" };
      const unbound = await drDrill(["run", "--engine", "postgres", "--shard", "1/2"], { env: outsideCi });
      expect(unbound.code, unbound.stderr).toBe(2);
      expect(unbound.stderr).toMatch(/--shard needs a run nonce/);
      const stray = await drDrill(["run", "--engine", "postgres", "--run-nonce", "n1"], { env: outsideCi });
      expect(stray.code, stray.stderr).toBe(2);
      expect(stray.stderr).toMatch(/--run-nonce binds the shards of one run: give it with --shard/);
      expect(docker.requests).toEqual([]);
    });

    it("a shard with nothing to run writes a sealed empty report for the merge and needs no Docker", async () => {
      const reports = await makeTempDir();
      // load on PostgreSQL 15 selects two drills (physical, logical): the third of three shards is empty.
      const { code, stderr } = await drDrill(
        [
          "run",
          "--engine",
          "postgres",
          "--version",
          "15",
          "--scenario",
          "load",
          "--shard",
          "3/3",
          "--run-nonce",
          "nightly-7",
          "--reports",
          reports,
        ],
        { env: { DOCKER_HOST: docker.host } },
      );
      expect(code, stderr).toBe(0);
      expect(docker.requests).toEqual([]);
      const [runId] = (await readdir(reports)).filter((e) => e !== "history.jsonl");
      const run = JSON.parse(await readFile(join(reports, runId!, "evidence.json"), "utf8")) as RunEvidence;
      expect(run.drills).toEqual([]);
      expect(run.shard).toMatchObject({ index: 3, count: 3, planned: 2, run: "nightly-7" });
      expect(await verifyDirectory(join(reports, runId!))).toMatchObject({ ok: true });
    });
  });
});

/**
 * A sharded run of the in-process engine: three drills (one a detected fault), dealt to two shards, each its own
 * report, both of run `nonces[0]` unless `nonces` says otherwise.
 */
async function shardedRun(
  root: string,
  signingKey?: Parameters<typeof writeRunReport>[0]["signingKey"],
  coverage: (
    ran: DrillResult[],
  ) => Pick<Parameters<typeof writeRunReport>[0], "planned" | "interrupted"> = ranAsPlanned,
  nonces = ["run-1", "run-1"],
): Promise<string[]> {
  const plan = [
    { seed: 11, faults: [] },
    { seed: 12, faults: [dropKeys(5)] },
    { seed: 13, faults: [] },
  ];
  const dirs: string[] = [];
  for (const index of [1, 2]) {
    const { drills, shard } = sliceForShard(plan, { index, count: 2 }, nonces[index - 1]!);
    const runId = `2026-11-23T10-00-0${index}-000-shard`;
    const results = [];
    for (const d of drills) {
      results.push(
        await runDrill({
          scenario: "unit",
          engine: new MemoryEngine("1"),
          rows: 200,
          seed: d.seed,
          faults: d.faults,
          reportsDir: root,
          runId,
          replayCommand: (s) => `replay ${s}`,
          sink: quiet,
        }),
      );
    }
    const written = await writeRunReport({
      reportsRoot: root,
      runId,
      startedAt: new Date().toISOString(),
      drills: results,
      ...(index === 2 ? coverage(results) : ranAsPlanned(results)),
      targets: {},
      shard,
      env: {},
      ...(signingKey ? { signingKey } : {}),
    });
    dirs.push(written.dir);
  }
  return dirs;
}

describe("merge-reports", () => {
  it("merges verified shards into one run that verify-report accepts, with every drill, its files and the shards named", async () => {
    const root = await makeTempDir();
    const shards = await shardedRun(root);
    const out = join(root, "merged");
    const report = await mergeReports({ dirs: shards, out, env: {} });
    const run = report.evidence;
    expect(run.drills.map((d) => d.scope.seed).sort()).toEqual([11, 12, 13]);
    expect(run.counts).toEqual({ drills: 3, passed: 3, failed: 0, unknown: 0 });
    expect(run.verdict).toBe("pass");
    expect(run.mergedFrom?.map((s) => [s.shard?.index, s.drills, s.signature])).toEqual([
      [1, 2, "absent"],
      [2, 1, "absent"],
    ]);
    expect(run.shard).toBeNull();
    expect(await verifyDirectory(out)).toMatchObject({ ok: true });
    const validate = await schemaValidator();
    const written = JSON.parse(await readFile(join(out, "evidence.json"), "utf8"));
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
    // The drills' own directories came along, and the re-made reports name every drill.
    for (const d of run.drills) expect(existsSync(join(out, d.drillId, "ledger.jsonl"))).toBe(true);
    const junit = await readFile(join(out, "junit.xml"), "utf8");
    expect(junit.match(/<testcase /g)).toHaveLength(3);
    expect(await readFile(join(out, "summary.md"), "utf8")).toMatch(/Merged from 2 verified report\(s\)/);
    expect(await readFile(join(out, "report.html"), "utf8")).toContain('id="provenance"');

    // The command a CI job runs: the merge exits 0 and verify-report accepts what it wrote.
    const cliOut = join(root, "merged-by-cli");
    expect(await drDrill(["merge-reports", ...shards, "--out", cliOut])).toMatchObject({ code: 0 });
    expect(await drDrill(["verify-report", cliOut])).toMatchObject({ code: 0 });
  });

  it("refuses a tampered shard, naming the changed file, and writes nothing", async () => {
    const root = await makeTempDir();
    const shards = await shardedRun(root);
    const [drillDir] = (await readdir(shards[1]!, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const ledger = join(shards[1]!, drillDir!, "ledger.jsonl");
    await writeFile(ledger, (await readFile(ledger, "utf8")).replace('"outcome":"ok"', '"outcome":"fail"'));
    const out = join(root, "merged");
    const refused = mergeReports({ dirs: shards, out, env: {} });
    await expect(refused).rejects.toThrow(ShardRejected);
    await expect(refused).rejects.toThrow(`changed: ${drillDir}/ledger.jsonl`);
    expect(existsSync(out)).toBe(false);
    const cli = await drDrill(["merge-reports", ...shards, "--out", out]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`FAILED: ${shards[1]} does not verify; nothing was merged`);
    expect(existsSync(out)).toBe(false);
  });

  it("checks signed shards with the public key, and signs the merged report", async () => {
    const root = await makeTempDir();
    const keys = generateKeyPairSync("ed25519");
    const shards = await shardedRun(root, keys.privateKey);
    await expect(mergeReports({ dirs: shards, out: join(root, "unchecked"), env: {} })).rejects.toThrow(
      /manifest.sig present but no public key given/,
    );
    const other = generateKeyPairSync("ed25519");
    await expect(
      mergeReports({ dirs: shards, out: join(root, "wrong-key"), publicKey: other.publicKey, env: {} }),
    ).rejects.toThrow(/does not match the manifest for this public key/);
    const out = join(root, "merged");
    const report = await mergeReports({
      dirs: shards,
      out,
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      env: {},
    });
    expect(report.evidence.mergedFrom?.map((s) => s.signature)).toEqual(["valid", "valid"]);
    expect(await verifyDirectory(out, keys.publicKey)).toMatchObject({ ok: true, signature: "valid" });
    // On the command line, the signing key alone checks shards it signed (its public half) and signs the merge.
    const keyFile = join(root, "signing.key.pem");
    await writeFile(keyFile, keys.privateKey.export({ type: "pkcs8", format: "pem" }));
    const byCli = join(root, "merged-by-cli");
    expect(await drDrill(["merge-reports", ...shards, "--out", byCli, "--signing-key", keyFile])).toMatchObject({
      code: 0,
    });
    expect(await verifyDirectory(byCli, keys.publicKey)).toMatchObject({ ok: true, signature: "valid" });
    const otherFile = join(root, "other.key.pem");
    await writeFile(otherFile, other.privateKey.export({ type: "pkcs8", format: "pem" }));
    const refused = await drDrill([
      "merge-reports",
      ...shards,
      "--out",
      join(root, "other"),
      "--signing-key",
      otherFile,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/manifest.sig does not match the manifest for this public key/);
  });

  it("refuses a shard that was interrupted or did not run its whole slice, naming what it lacks, and writes nothing", async () => {
    const root = await makeTempDir();
    // Shard 2 of 2 planned its one drill and a second one that never ran: its drills all passed.
    const skipped = (ran: Parameters<typeof ranAsPlanned>[0]) => ({
      planned: [...ranAsPlanned(ran).planned, plannedOf(ran[0]!.evidence, null)],
      interrupted: null,
    });
    const partial = await shardedRun(join(root, "partial"), undefined, skipped);
    const out = join(root, "merged");
    await expect(mergeReports({ dirs: partial, out, env: {} })).rejects.toThrow(
      `${partial[1]} did not run its whole slice (1 of 2 planned drill(s) ran; not run: memory 1 snapshot unit): run that shard again, then merge`,
    );
    const cli = await drDrill(["merge-reports", ...partial, "--out", out]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain("did not run its whole slice");
    expect(existsSync(out)).toBe(false);

    const stopped = await shardedRun(join(root, "stopped"), undefined, (ran) => ({
      ...ranAsPlanned(ran),
      interrupted: "interrupted by SIGTERM",
    }));
    await expect(mergeReports({ dirs: stopped, out, env: {} })).rejects.toThrow(
      /did not run its whole slice \(1 of 1 planned drill\(s\) ran; interrupted by SIGTERM\)/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a shard written by an earlier dr-drill, which does not say what it planned", async () => {
    const root = await makeTempDir();
    const shards = await shardedRun(root);
    const path = join(shards[1]!, "evidence.json");
    const { planned: _, interrupted: __, ...older } = JSON.parse(await readFile(path, "utf8"));
    await writeFile(path, JSON.stringify({ ...older, schema: "dr-drill/run-evidence@1" }));
    await sealDirectory(shards[1]!);
    await expect(mergeReports({ dirs: shards, out: join(root, "merged"), env: {} })).rejects.toThrow(
      /is dr-drill\/run-evidence@1, not dr-drill\/run-evidence@2: a report of an earlier dr-drill does not say which drills it planned/,
    );
  });

  it("refuses shards of two runs of one plan, and shards made by another dr-drill, naming both", async () => {
    const root = await makeTempDir();
    const mixed = await shardedRun(join(root, "mixed"), undefined, ranAsPlanned, ["nightly-41", "nightly-42"]);
    const out = join(root, "merged");
    await expect(mergeReports({ dirs: mixed, out, env: {} })).rejects.toThrow(
      `${mixed[1]} is a shard of run "nightly-42", ${mixed[0]} of run "nightly-41": merge the shards of one run only`,
    );
    const cli = await drDrill(["merge-reports", ...mixed, "--out", out]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('is a shard of run "nightly-42"');
    expect(existsSync(out)).toBe(false);

    const shards = await shardedRun(join(root, "other-tool"));
    const path = join(shards[1]!, "evidence.json");
    const run = JSON.parse(await readFile(path, "utf8")) as RunEvidence;
    expect(run.tool.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    await writeFile(path, JSON.stringify({ ...run, tool: { ...run.tool, commit: "0".repeat(40) } }));
    await sealDirectory(shards[1]!);
    await expect(mergeReports({ dirs: shards, out, env: {} })).rejects.toThrow(
      new RegExp(
        `${shards[1]} was made by dr-drill [^ ]+ \\(commit 0{40}\\), .* by dr-drill [^ ]+ \\(commit ${run.tool.commit}\\): the shards of one run are made by one dr-drill`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a report that is not a shard, or a shard that names no run", async () => {
    const root = await makeTempDir();
    const shards = await shardedRun(root);
    const path = join(shards[1]!, "evidence.json");
    const run = JSON.parse(await readFile(path, "utf8")) as RunEvidence;
    await writeFile(path, JSON.stringify({ ...run, shard: null }));
    await sealDirectory(shards[1]!);
    await expect(mergeReports({ dirs: shards, out: join(root, "merged"), env: {} })).rejects.toThrow(
      `${shards[1]} is not a shard (it was run without --shard)`,
    );
    const { run: _, ...unbound } = run.shard!;
    await writeFile(path, JSON.stringify({ ...run, shard: unbound }));
    await sealDirectory(shards[1]!);
    await expect(mergeReports({ dirs: shards, out: join(root, "merged"), env: {} })).rejects.toThrow(
      `${shards[1]} names no run nonce (made by an earlier dr-drill)`,
    );
  });

  it("refuses an incomplete or doubled set of shards, a drill given twice, and an existing --out", async () => {
    const root = await makeTempDir();
    const shards = await shardedRun(root);
    const refuse = (dirs: string[], message: RegExp, out = join(root, "merged")) =>
      expect(mergeReports({ dirs, out, env: {} })).rejects.toThrow(message);
    await refuse([shards[0]!], /shard 2\/2 is missing \(given: 1\/2\)/);
    await refuse([shards[0]!, shards[0]!], /is given twice/);
    await refuse(shards, /exists: the merged report goes into a new directory/, root);
    await refuse([shards[0]!, join(root, "nowhere")], /is not a run report directory/);
    await expect(mergeReports({ dirs: shards, out: join(shards[0]!, "inside"), env: {} })).rejects.toThrow(InputError);
    // A merged report is not merged again with one of its shards: its drills would count twice.
    await mergeReports({ dirs: shards, out: join(root, "merged"), env: {} });
    await refuse([join(root, "merged"), shards[0]!], /already a merged report/, join(root, "again"));
    await rm(join(root, "merged"), { recursive: true });
    expect(existsSync(join(root, "again"))).toBe(false);
  });

  it("takes the report root a shard wrote (a CI job's artifact) and merges its newest run", async () => {
    const root = await makeTempDir();
    const [first, second] = await shardedRun(join(root, "runs"));
    // Each shard's --reports root as a CI artifact holds it; the second also holds an older copy of the first shard's
    // run, which merged with the first would be the first shard twice.
    const roots = [join(root, "shard-1"), join(root, "shard-2")];
    for (const r of roots) await mkdir(r);
    await rename(first!, join(roots[0]!, basename(first!)));
    await rename(second!, join(roots[1]!, basename(second!)));
    await cp(join(roots[0]!, basename(first!)), join(roots[1]!, "2026-11-22T09-00-00-000-older"), { recursive: true });
    const out = join(root, "merged");
    const cli = await drDrill(["merge-reports", ...roots, "--out", out]);
    expect(cli.code, cli.stderr).toBe(0);
    const merged = JSON.parse(await readFile(join(out, "evidence.json"), "utf8")) as RunEvidence;
    expect(merged.mergedFrom?.map((s) => s.runId)).toEqual([basename(first!), basename(second!)]);
    // A root with no run in it is a usage error naming it.
    const empty = join(root, "empty");
    await mkdir(empty);
    const refused = await drDrill(["merge-reports", empty, roots[1]!, "--out", join(root, "merged-again")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${empty} is neither a report directory (no manifest.sha256) nor a report root holding one`,
    );
  });
});
