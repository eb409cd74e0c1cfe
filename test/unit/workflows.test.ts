import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { makeTempDir } from "./support.ts";
import { VERIFICATION_FILE, type Verification } from "../../harness/verify/report.ts";

const EXAMPLE = "examples/github-actions/nightly-verify.yml";

/** The shell of one step of a workflow (its `run: |` block), as the runner would execute it. */
async function stepScript(file: string, name: string): Promise<string> {
  const text = await readFile(file, "utf8");
  const m = new RegExp(`- name: ${name}\\n(?: {8}.*\\n)*? {8}run: \\|\\n((?: {10}.*\\n|\\n)+)`).exec(text);
  if (!m) throw new Error(`no step "${name}" with a run block in ${file}`);
  return m[1]!.replace(/^ {10}/gm, "");
}

/** actionlint, the GitHub Actions workflow linter: `npm test` installs it into .cache/bin with `go install`. */
function actionlint(): string {
  const candidates = [process.env.ACTIONLINT, resolve(".cache/bin/actionlint")].filter(Boolean) as string[];
  const found =
    candidates.find((c) => existsSync(c)) ?? (spawnSync("which", ["actionlint"]).stdout.toString().trim() || undefined);
  if (!found)
    throw new Error(
      "actionlint not found: `npm test` installs it (go install github.com/rhysd/actionlint/cmd/actionlint); or set ACTIONLINT",
    );
  return found;
}

function lint(files: string[]): { status: number | null; output: string } {
  const r = spawnSync(actionlint(), ["-color=false", ...files], { encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe("GitHub workflows", () => {
  it("lint clean with actionlint", async () => {
    const dir = ".github/workflows";
    const files = (await readdir(dir)).filter((f) => f.endsWith(".yml")).map((f) => join(dir, f));
    expect(files.sort()).toEqual([
      ".github/workflows/fault-campaign.yml",
      ".github/workflows/nightly-drill.yml",
      ".github/workflows/pre-upgrade.yml",
    ]);
    expect(lint(files)).toEqual({ status: 0, output: "" });
  });

  it.each(["nightly-drill.yml", "pre-upgrade.yml"])(
    "%s fans out over engines × shards and merges in a final job",
    async (name) => {
      const text = await readFile(join(".github/workflows", name), "utf8");
      const shards = /SHARDS: (\d+)/.exec(text)?.[1];
      // The matrix lists as many shard indexes as the jobs pass as the count, so no slice is left unrun.
      expect(text).toContain(`shard: [${Array.from({ length: Number(shards) }, (_, i) => i + 1).join(", ")}]`);
      expect(text).toMatch(/\n {8}engine: /);
      expect(text).toContain('--shard "$SHARD/$SHARDS"');
      expect(text).toMatch(/\n {2}merge:\n {4}needs: \w+\n {4}if: \$\{\{ !cancelled\(\) \}\}/);
      expect(text).toMatch(/npx dr-drill merge-reports "\$\{runs\[@\]\}" --out/);
      // The merge downloads the shards of its own attempt only: they share the run nonce, which merge-reports checks.
      expect(text).toMatch(
        /name: dr-drill-[\w-]*shard-\$\{\{ matrix.engine \}\}-\$\{\{ matrix.shard \}\}-\$\{\{ github.run_id \}\}-\$\{\{ github.run_attempt \}\}\n/,
      );
      expect(text).toMatch(
        /pattern: dr-drill-[\w-]*shard-\*-\$\{\{ github.run_id \}\}-\$\{\{ github.run_attempt \}\}\n/,
      );
    },
  );

  it("nightly-drill.yml pulls the official images of the registry-only engines and runs their drill files, red on a skip", async () => {
    const text = await readFile(join(".github/workflows", "nightly-drill.yml"), "utf8");
    const job = text.slice(text.indexOf("\n  seed-engines:\n"), text.indexOf("\n  merge:\n"));
    expect(job).toContain("engine: [emqx, memgraph, eventstore]");
    expect(job).toContain('npx dr-drill setup --images official --engine "$ENGINE"');
    expect(job).toContain('npx vitest run --project drills "engines/$ENGINE/drills"');
    expect(job).toMatch(/numPendingTests \+ r\.numTodoTests > 0 \? 1 : 0/);
    // Its evidence does not match the shard pattern the merge job downloads.
    expect(job).not.toMatch(/name: dr-drill-shard-/);
  });

  it("fault-campaign.yml runs a campaign per engine and method on a schedule and keeps the evidence", async () => {
    const text = await readFile(join(".github/workflows", "fault-campaign.yml"), "utf8");
    expect(text).toMatch(/\n {2}schedule:\n {4}- cron: /);
    expect(text).toContain('npx dr-drill campaign --engine "$ENGINE" --method "$METHOD" --faults "$FAULTS"');
    expect(text).toMatch(/method: physical[\s\S]*method: logical/);
  });

  it("the example users copy (nightly verify of the newest backup) lints clean and keeps the report", async () => {
    expect(lint([EXAMPLE])).toEqual({ status: 0, output: "" });
    const text = await readFile(EXAMPLE, "utf8");
    expect(text).toMatch(/\n {2}schedule:\n(?: {4}#.*\n)* {4}- cron: /);
    expect(text).toContain('dr-drill verify --engine postgres --artifact "$ARTIFACT" --newest --max-age "$MAX_AGE"');
    expect(text).toContain("uses: actions/upload-artifact@v4");
    expect(text).toContain('>> "$GITHUB_STEP_SUMMARY"');
  });

  it("the example's failure summary names each check that failed, from verify's record", async () => {
    const root = await makeTempDir();
    const runId = "2026-12-07T04-30-00-000Z-verify";
    // The fields the step reads, typed as verify writes them (harness/verify/report.ts).
    const record: Pick<Verification, "checks" | "undecided"> = {
      checks: [
        { name: "artifact-age", valid: false, summary: "s3://backups/pg/x.dump is 49.5 h old, over the 26 h allowed" },
        { name: "pg_amcheck", valid: false, summary: "index people_pkey: block 3 is corrupt" },
        { name: "read-back", valid: true, summary: "100,064 records read" },
      ],
      undecided: null,
    };
    await mkdir(join(root, runId, "verify-postgres15"), { recursive: true });
    await writeFile(join(root, runId, "verify-postgres15", VERIFICATION_FILE), JSON.stringify(record));
    const script = await stepScript(EXAMPLE, "Say why in the job summary");
    const summary = join(root, "summary.md");
    const run = (env: Record<string, string>) =>
      spawnSync("bash", ["-e", "-c", script], {
        cwd: root,
        env: { ...process.env, GITHUB_STEP_SUMMARY: summary, ...env },
      });
    expect(run({ REPORT_DIR: join(root, runId) }).status).toBe(0);
    const said = await readFile(summary, "utf8");
    expect(said).toContain(
      "- **Check artifact-age failed**: s3://backups/pg/x.dump is 49.5 h old, over the 26 h allowed",
    );
    expect(said).toContain("- **Check pg_amcheck failed**: index people_pkey: block 3 is corrupt");
    expect(said).not.toContain("read-back");
    // No report (dr-drill stopped on bad input): its own words.
    await writeFile(join(root, "verify.log"), "--artifact s3://backups/pg/: no AWS credentials found\n");
    await writeFile(summary, "");
    expect(run({ REPORT_DIR: "" }).status).toBe(0);
    expect(await readFile(summary, "utf8")).toContain("no AWS credentials found");
  });

  it("the example checks and keeps verify's sealed record (<run>/<verify id>/), never the run directory's download", async () => {
    const root = await makeTempDir();
    const run = join(root, "reports", "2026-12-07T04-30-00-000Z-verify");
    await mkdir(join(run, "verify-postgres15-physical"), { recursive: true });
    await mkdir(join(run, "download"), { recursive: true });
    await writeFile(join(run, "verify-postgres15-physical", VERIFICATION_FILE), "{}");
    await writeFile(join(run, "download", "base.tar"), "the production backup");
    const env = join(root, "github.env");
    const found = spawnSync("bash", ["-e", "-c", await stepScript(EXAMPLE, "Find the report")], {
      cwd: root,
      env: { ...process.env, GITHUB_ENV: env },
    });
    expect(found.status).toBe(0);
    const vars = Object.fromEntries(
      (await readFile(env, "utf8"))
        .trim()
        .split("\n")
        .map((l) => l.split("=")),
    );
    expect(vars).toEqual({
      REPORT_DIR: "reports/2026-12-07T04-30-00-000Z-verify",
      RECORD_DIR: "reports/2026-12-07T04-30-00-000Z-verify/verify-postgres15-physical",
    });
    const text = await readFile(EXAMPLE, "utf8");
    expect(text).toContain('run: dr-drill verify-report "$RECORD_DIR"');
    expect(text).toContain("${{ env.RECORD_DIR || 'verify.log' }}");
    expect(text).not.toMatch(/path: \|\n\s+reports\//);
    expect(text).toContain('--retention "$RETENTION"');
  });

  it("the linter really runs: a broken workflow is reported", async () => {
    const file = join(await makeTempDir(), "broken.yml");
    await writeFile(
      file,
      "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ inputs.nope }}\n        uses: actions/checkout@v4\n",
    );
    const result = lint([file]);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/run|uses/);
  });
});
