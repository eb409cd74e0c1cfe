import { ensureDocker, DockerUnavailableError } from "../harness/runtime/docker.ts";
import { ImageResolver, ImageUnavailableError, parseImageMode } from "../harness/runtime/images.ts";
import { removeManaged } from "../harness/runtime/resources.ts";
import { InputError } from "../harness/errors.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";
import { UsageError, firstGiven, list, parse } from "./args.ts";
import { replay, run } from "./run.ts";
import { listEngines } from "./inspect.ts";
import { campaign } from "./campaign.ts";
import { keygen, mergeReports, verifyReport } from "./report-commands.ts";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true"; // the reaper image cannot be pulled offline; we clean up by label

const USAGE = `dr-drill — disaster-recovery drills: back up under load, destroy, restore, check every record.

Commands:
  run --engine NAME [options]        run drills; write and seal the run's report directory
  list                               engines, versions, scenarios, and whether each can run here
  replay <drill id | seed>           run a past drill again with the same arguments and data
  campaign --engine NAME [--version V] [--method M] [--faults 50] [--seed N] [--rows 2000]
                                     one backup under load, then N seeded random faults on copies of it (docs/campaign.md)
  verify-report <dir> [--public-key F]  check every report file against manifest.sha256 (and manifest.sig)
  merge-reports <dir>... --out DIR   verify shard reports (--public-key F when signed), combine them into one run
  keygen [--out DIR]                 make an Ed25519 key pair for signing reports
  setup [--images MODE]              start Docker if needed and prepare the engine images
  cleanup                            remove containers and volumes left by crashed runs (ours only, by label)

run options (flags override dr-drill.config.ts):
  --engine NAME[,NAME]   ${Object.keys(ENGINES).join(", ")}
  --version V[,V]        engine version(s)            --restore-into V   restore into another version
  --method M[,M]         backup method(s)             --scenario S[,S]   drill scenario(s) (see list)
  --rows N               data set size (100000)       --seed N           data seed (random, printed)
  --writers N            writers during the backup (4; 0 only for scenarios without writes)
  --images MODE          official | offline | auto (default: $DR_DRILL_IMAGES or auto)
  --rto D  --rpo D       targets, e.g. 90s, 2m: a drill that misses one fails
  --reports DIR          report root (./reports)      --signing-key F    Ed25519 key (or $DR_DRILL_SIGNING_KEY)
  --config F             config file (./dr-drill.config.ts)
  --keep-artifacts       keep backups and sorted files next to the evidence
  --shard I/N            run only the I-th of N slices of the selected drills (a CI matrix); merge-reports joins them
  --run-nonce ID         with --shard: the id every shard of this run shares (or $DR_DRILL_RUN_NONCE; in GitHub
                         Actions and GitLab CI the run's own id and attempt)

Exit codes: 0 every drill did what its scenario expected, 1 one did not, 2 bad input (a flag, variable or config value), 3 Docker or image unavailable.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await run(rest);
      case "replay":
        return await replay(rest);
      case "campaign":
        return await campaign(rest);
      case "list":
        return await listEngines();
      case "verify-report":
        return await verifyReport(rest);
      case "merge-reports":
        return await mergeReports(rest);
      case "keygen":
        return await keygen(rest);
      case "setup":
        return await setup(rest);
      case "cleanup": {
        parse(rest, {});
        await ensureDocker(console.log);
        const removed = await removeManaged();
        console.log(`removed ${removed.containers} container(s), ${removed.volumes} volume(s), ${removed.networks} network(s) labelled dr-drill.managed`);
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof InputError) {
      console.error(`dr-drill: ${err.message}\nRun \`dr-drill help\` for the commands and options.`);
      return 2;
    }
    if (err instanceof DockerUnavailableError || err instanceof ImageUnavailableError) {
      console.error(`dr-drill: ${err.message}`);
      return 3;
    }
    console.error(`dr-drill: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

async function setup(args: string[]): Promise<number> {
  const { values: v } = parse(args, { images: { type: "string" }, engine: { type: "string" }, version: { type: "string" } });
  const mode = parseImageMode(...firstGiven([v.images, "--images"], [process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"]));
  await ensureDocker(console.log);
  const engines = list(v.engine, Object.keys(ENGINES), "--engine", Object.keys(ENGINES)).map(engineEntry);
  const resolver = new ImageResolver(mode, (l) => console.log(`[setup] ${l}`));
  for (const entry of engines) {
    for (const version of list(v.version, entry.versions, "--version", entry.versions)) {
      const spec = entry.imageSpec(version);
      try {
        const image = await resolver.resolve(spec);
        console.log(`[setup] ${entry.name} ${version}: ${image.ref} (${image.source}, ${image.id.slice(0, 19)})`);
      } catch (err) {
        // Asked by name, a missing image is an error; in a plain `setup`, engines with no offline image are optional.
        if (v.engine !== undefined || !(err instanceof ImageUnavailableError) || !("unavailable" in spec.offline)) throw err;
        console.log(`[setup] ${entry.name} ${version}: skipped, ${err.message}`);
      }
    }
  }
  return 0;
}
