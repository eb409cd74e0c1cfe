/**
 * `npm run bench:copy`: a directory of real blocks copied into a volume and out again, through a bind mount (local
 * Docker) and through Docker's archive API (what a remote engine gets), alternating, so the two see the same load.
 *
 *   npm run bench:copy -- [--mb 900] [--rounds 2]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureDocker } from "../harness/runtime/docker.ts";
import { ImageResolver } from "../harness/runtime/images.ts";
import { createVolume, removeManaged, runLabels } from "../harness/runtime/resources.ts";
import { restoreVolume } from "../harness/runtime/restore-volume.ts";
import { withToolbox, type Transfer } from "../harness/runtime/toolbox.ts";
import { postgresImageSpec } from "../protocols/pg/image.ts";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true"; // as the CLI: the reaper image cannot be pulled offline; cleanup is by label

const { values } = parseArgs({
  options: { mb: { type: "string", default: "900" }, rounds: { type: "string", default: "2" } },
});
const mb = Number(values.mb);
const rounds = Number(values.rounds);
if (!(mb > 0) || !Number.isInteger(rounds) || rounds < 1)
  throw new Error("--mb takes a positive size in MiB, --rounds a positive whole number");

const log = (line: string) => console.log(line);
await ensureDocker(log);
const image = await new ImageResolver("auto", log).resolve(postgresImageSpec("15"));
const id = `bench-copy-${Date.now()}`;
const labels = runLabels(id, id);
const work = await mkdtemp(join(tmpdir(), "dr-drill-bench-copy-"));
const src = join(work, "src");
try {
  // 250 files in 10 directories, written byte by byte (no sparse blocks), as an engine's preallocated files are.
  const file = Buffer.alloc(Math.round((mb * 1048576) / 250), 1);
  for (let d = 0; d < 10; d++) {
    await mkdir(join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 25; f++) await writeFile(join(src, `d${d}`, `f${f}`), file);
  }
  log(`${mb} MiB in 250 files, ${image.ref}; seconds per copy (load average when it ended)`);
  for (let round = 1; round <= rounds; round++) {
    for (const transfer of ["archive", "bind-mount"] satisfies Transfer[]) {
      const volume = await createVolume(`${id}-${round}-${transfer}`, labels);
      await timed(`round ${round} ${transfer.padEnd(10)} into a volume`, () =>
        restoreVolume({ image, volume, mountPath: "/data", uid: 4242, labels, transfer }).copyIn(src),
      );
      const out = join(work, `out-${round}-${transfer}`);
      const volumes = [{ name: volume, path: "/data", readOnly: true }];
      await timed(`round ${round} ${transfer.padEnd(10)} out of it`, () =>
        withToolbox({ image: image.ref, labels, volumes, host: { dir: out, direction: "out" }, transfer }, (box) =>
          box.copyOut("/data"),
        ),
      );
      await rm(out, { recursive: true });
    }
  }
} finally {
  await removeManaged({ drillId: id });
  await rm(work, { recursive: true, force: true });
}

async function timed(what: string, copy: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  await copy();
  log(`${what.padEnd(44)} ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  (${loadavg()[0]!.toFixed(1)})`);
}
