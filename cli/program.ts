import { Command } from "commander";
import { parseImageMode, type ImageMode } from "../harness/runtime/image-mode.ts";
import { ENGINES } from "../engines/index.ts";
import { packageVersion } from "../harness/package-info.ts";
import { parseDuration, wholeNumber } from "./args.ts";
import { parseShard } from "./shard.ts";
import type { RunOptions } from "./run.ts";
import type { CampaignOptions } from "./campaign.ts";
import type { VerifyOptions } from "./verify.ts";

// Each command's module is imported when the command runs: `--help` and usage errors load no engine driver.

const count = (flag: string, min: 0 | 1) => (value: string) => wholeNumber(value, flag, min);
const duration = (flag: string) => (value: string) => parseDuration(value, flag);
const imageMode = (value: string) => parseImageMode(value, "--images");

const EXIT_CODES = `Exit codes:
  0    every drill did what its scenario expected
  1    one did not (or missed a target, could not decide, did not run)
  2    bad input: a flag, variable or config value (the message names it)
  3    Docker or an image is not available (the message says what to do)
  130  interrupted (Ctrl-C), 143 terminated (SIGTERM)`;

/** `run`'s options, shared by the command and by tests that plan a run from a command line. */
export function withRunOptions(command: Command): Command {
  return command
    .option("--engine <names>", `engine(s), comma-separated: ${Object.keys(ENGINES).join(", ")}`)
    .option("--version <versions>", "engine version(s) (see `dr-drill list`)")
    .option("--restore-into <version>", "restore into another version")
    .option("--method <methods>", "backup method(s)")
    .option("--scenario <names>", "drill scenario(s) (see `dr-drill list`)")
    .option("--rows <n>", "data set size, at least 1 (default 100000)", count("--rows", 1))
    .option("--seed <n>", "data seed (default: random, printed)", count("--seed", 0))
    .option("--writers <n>", "writers during the backup (default 4)", count("--writers", 0))
    .option("--images <mode>", "official | offline | auto (default: $DR_DRILL_IMAGES or auto)", imageMode)
    .option("--rto <duration>", "recovery time target, e.g. 90s, 2m: a drill that misses it fails", duration("--rto"))
    .option("--rpo <duration>", "recovery point target, e.g. 30s", duration("--rpo"))
    .option("--reports <dir>", "report root (default ./reports)")
    .option(
      "--retention <duration>",
      "how long the report is to be kept, stated in it, e.g. 400d (default 365d)",
      duration("--retention"),
    )
    .option("--signing-key <file>", "Ed25519 private key to sign the report (or $DR_DRILL_SIGNING_KEY)")
    .option("--config <file>", "config file (default ./dr-drill.config.ts)")
    .option("--keep-artifacts", "keep backups and sorted files next to the evidence")
    .option(
      "--deep-verify",
      "after a restore that passed, also run the engine's own verifier (pg_amcheck, neo4j-admin database check…) and reads through its indexes",
    )
    .option("--image <engine=ref>", "your image for an engine, e.g. postgres=my/postgis:15 (checked before the drill)")
    .option("--schema <file>", "your DDL (PostgreSQL): drill your own tables (scenario user-schema, implied)")
    .option(
      "--shard <i/n>",
      "run only the i-th of n slices of the selected drills (a CI matrix); merge-reports joins them",
      parseShard,
    )
    .option(
      "--run-nonce <id>",
      "with --shard: the id every shard of this run shares (or $DR_DRILL_RUN_NONCE; in GitHub Actions and GitLab CI the run's own id and attempt)",
    );
}

/**
 * The `dr-drill` command line. `done` receives the exit code of the command that ran; parse errors and help throw
 * a CommanderError (exitOverride), which `main` turns into an exit code.
 */
export function program(done: (code: number) => void): Command {
  const cli = new Command("dr-drill")
    .description("Disaster-recovery drills: back up under load, destroy, restore, check every record.")
    .version(packageVersion(), "-V, --version", "the version of dr-drill")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .addHelpText("after", `\nRun \`dr-drill <command> --help\` for a command's options.\n\n${EXIT_CODES}`);
  const command = (name: string, description: string) =>
    cli
      .command(name)
      .description(description)
      .exitOverride()
      .configureOutput({ outputError: () => undefined });

  withRunOptions(
    command("run", "run drills; write and seal the run's report directory (flags override dr-drill.config.ts)"),
  )
    .addHelpText("after", `\n${EXIT_CODES}`)
    .action(async (v: RunOptions) => {
      const { planRun } = await import("./run.ts");
      const plan = await planRun(v);
      const { executeRun } = await import("./execute.ts");
      done(await executeRun(plan));
    });
  command(
    "campaign",
    "one backup under load, then N seeded random faults on copies of it, each restored and classified (docs/campaign.md)",
  )
    .requiredOption("--engine <name>", "an engine that offers a campaign (see `dr-drill list`)")
    .option("--version <version>", "engine version (default: the engine's default)")
    .option("--method <method>", "backup method (default: the campaign's first)")
    .option("--faults <n>", "random faults, each on its own copy of the backup (default 50)", count("--faults", 1))
    .option("--seed <n>", "data seed (default: random, printed)", count("--seed", 0))
    .option("--campaign-seed <n>", "seed of the faults (default: the data seed)", count("--campaign-seed", 0))
    .option("--rows <n>", "data set size, at least 1 (default 2000)", count("--rows", 1))
    .option("--writers <n>", "writers during the backup, at least 1 (default 2)", count("--writers", 1))
    .option("--images <mode>", "official | offline | auto (default: $DR_DRILL_IMAGES or auto)", imageMode)
    .option("--reports <dir>", "report root (default ./reports)")
    .option("--signing-key <file>", "Ed25519 private key to sign the report (or $DR_DRILL_SIGNING_KEY)")
    .option("--keep-artifacts", "keep the backups next to the evidence")
    .addHelpText("after", `\n${EXIT_CODES}`)
    .action(async (v: CampaignOptions) => done(await (await import("./campaign.ts")).campaign(v)));
  command(
    "verify",
    "restore a backup you kept into a fresh, isolated node and check it: the engine's verifier, every record read back, a fingerprint; sealed record",
  )
    .requiredOption("--engine <name>", "the engine the artifact is a backup of")
    .requiredOption(
      "--artifact <path>",
      "the backup: a file, a directory, or a drill directory `run --keep-artifacts` left",
    )
    .option(
      "--version <version>",
      "target version (default: the artifact's own when it says, else the engine's default)",
    )
    .option("--method <method>", "backup method (default: what the artifact's files say)")
    .option("--checks <file>", 'JSON: { appendOnly: [groups], checks: [{ name, query, expect: "zero-rows" | value }] }')
    .option("--rto <duration>", "recovery time target (restore start to serving), e.g. 10m", duration("--rto"))
    .option("--compare-with <dir>", "an earlier verify's report directory: fail on groups that shrank or vanished")
    .option(
      "--max-age <duration>",
      "fail the check artifact-age when the artifact is older, e.g. 26h",
      duration("--max-age"),
    )
    .option("--newest", "the artifact path is a directory of backups: verify the newest entry in it")
    .option("--images <mode>", "official | offline | auto (default: $DR_DRILL_IMAGES or auto)", imageMode)
    .option("--reports <dir>", "report root (default ./reports)")
    .option(
      "--retention <duration>",
      "how long the record is to be kept, stated in it (default 365d; docs/compliance.md)",
      duration("--retention"),
    )
    .option("--signing-key <file>", "Ed25519 private key to sign the record (or $DR_DRILL_SIGNING_KEY)")
    .addHelpText("after", `\n${EXIT_CODES}`)
    .action(async (v: VerifyOptions) => done(await (await import("./verify.ts")).verify(v)));
  command("list", "engines, versions, every scenario with what it expects, and whether each can run here")
    .option("--config <file>", "config file whose procedures to list too (default ./dr-drill.config.ts)")
    .action(async (v: { config?: string }) => done(await (await import("./inspect.ts")).listEngines(v.config)));
  command("replay", "run a past drill again with the same arguments and data")
    .argument("<drill>", "the drill's id or seed, from a report")
    .option("--reports <dir>", "report root to search (default ./reports)")
    .option("--config <file>", "config file (default ./dr-drill.config.ts)")
    .action(async (drill: string, v: { reports?: string; config?: string }) =>
      done(await (await import("./replay.ts")).replay(drill, v)),
    );
  command(
    "verify-report",
    "check every report file against manifest.sha256 (and manifest.sig and the attestation attestation.intoto.jsonl)",
  )
    .argument("<dir>", "a report directory")
    .option("--public-key <file>", "Ed25519 public key the signature must verify with (or $DR_DRILL_PUBLIC_KEY)")
    .option("--config <file>", "config file (default ./dr-drill.config.ts)")
    .action(async (dir: string, v: { publicKey?: string; config?: string }) =>
      done(await (await import("./report-commands.ts")).verifyReport(dir, v)),
    );
  command("merge-reports", "verify shard reports and combine them into one run")
    .argument("<dirs...>", "each shard's report directory, or the report root it wrote (its newest run)")
    .requiredOption("--out <dir>", "the merged report directory (must not exist)")
    .option("--public-key <file>", "Ed25519 public key the shards' signatures must verify with")
    .option("--signing-key <file>", "Ed25519 private key to sign the merged report (or $DR_DRILL_SIGNING_KEY)")
    .option("--config <file>", "config file (default ./dr-drill.config.ts)")
    .action(async (dirs: string[], v: { out: string; publicKey?: string; signingKey?: string; config?: string }) =>
      done(await (await import("./report-commands.ts")).mergeReports(dirs, v)),
    );
  command("keygen", "make an Ed25519 key pair for signing reports")
    .option("--out <dir>", "where to write the two PEM files (default .)")
    .action(async (v: { out?: string }) => done(await (await import("./report-commands.ts")).keygen(v)));
  command("setup", "start Docker (installing Debian's docker.io as root if missing) and prepare the engine images")
    .option("--images <mode>", "official | offline | auto (default: $DR_DRILL_IMAGES or auto)", imageMode)
    .option("--no-images", "start Docker only; the drills prepare their images when they run")
    .option("--engine <names>", "only these engines' images")
    .option("--version <versions>", "only these versions' images")
    .action(async (v: { images?: ImageMode | false; engine?: string; version?: string }) =>
      done(await (await import("./setup.ts")).setup(v)),
    );
  command("cleanup", "remove containers and volumes left by crashed runs (ours only, by label)").action(async () => {
    done(await (await import("./setup.ts")).cleanup());
  });
  return cli;
}
