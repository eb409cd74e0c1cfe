import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { makeTempDir } from "./support.ts";

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
