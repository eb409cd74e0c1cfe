import { ensureDocker } from "../harness/runtime/docker.ts";
import { ImageResolver, ImageUnavailableError, parseImageMode, type ImageMode } from "../harness/runtime/images.ts";
import { removeManaged } from "../harness/runtime/resources.ts";
import { ENGINES, engineEntry } from "../engines/index.ts";
import { firstGiven, list } from "./args.ts";

/**
 * Starts Docker (installing Debian's docker.io when it is missing: the one command that installs system packages),
 * then prepares the engine images, unless `--no-images`.
 */
export async function setup(v: { images?: ImageMode | false; engine?: string; version?: string }): Promise<number> {
  const mode =
    v.images === false
      ? false
      : parseImageMode(...firstGiven([v.images, "--images"], [process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"]));
  const engines = list(v.engine, Object.keys(ENGINES), "--engine", Object.keys(ENGINES)).map(engineEntry);
  const versions = new Map(
    engines.map((entry) => [entry, list(v.version, entry.versions, "--version", entry.versions)]),
  );
  await ensureDocker(console.log, { install: true });
  if (mode === false) return 0;
  const resolver = new ImageResolver(mode, (l) => console.log(`[setup] ${l}`));
  for (const [entry, entryVersions] of versions) {
    for (const version of entryVersions) {
      const spec = entry.imageSpec(version);
      try {
        const image = await resolver.resolve(spec);
        console.log(`[setup] ${entry.name} ${version}: ${image.ref} (${image.source}, ${image.id.slice(0, 19)})`);
      } catch (err) {
        // Asked by name, a missing image is an error; in a plain `setup`, engines with no offline image are optional.
        if (v.engine !== undefined || !(err instanceof ImageUnavailableError) || !("unavailable" in spec.offline))
          throw err;
        console.log(`[setup] ${entry.name} ${version}: skipped, ${err.message}`);
      }
    }
  }
  return 0;
}

/** Removes what crashed runs left in Docker: only what carries our label. */
export async function cleanup(): Promise<number> {
  await ensureDocker(console.log, { install: false });
  const removed = await removeManaged();
  console.log(
    `removed ${removed.containers} container(s), ${removed.volumes} volume(s), ${removed.networks} network(s) labelled dr-drill.managed`,
  );
  return 0;
}
