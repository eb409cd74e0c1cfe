import { ensureDocker } from "../../harness/runtime/docker.ts";
import { ImageResolver, ImageUnavailableError, parseImageMode } from "../../harness/runtime/images.ts";
import { ENGINES } from "../../engines/index.ts";
import { startInvocation } from "../../harness/runtime/reaper.ts";
import { INVOCATION_LABEL } from "../../harness/runtime/resources.ts";

/**
 * Before any drill: a Docker engine that answers (installed and started here when possible), the reaper of this test
 * run (everything the run starts carries its invocation label and is removed when the run ends or is interrupted),
 * and every engine image the drills use, built or pulled once with visible progress rather than inside the first
 * test's time budget.
 */
export default async function setup(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[drills setup] ${line}\n`);
  await ensureDocker(log);
  const invocation = await startInvocation();
  log(
    `everything this test run starts is labelled ${INVOCATION_LABEL}=${invocation}; its reaper removes it when the run ends or is interrupted`,
  );
  const resolver = new ImageResolver(parseImageMode(process.env.DR_DRILL_IMAGES, "DR_DRILL_IMAGES"), log);
  for (const entry of Object.values(ENGINES)) {
    for (const version of entry.versions) {
      const spec = entry.imageSpec(version);
      try {
        const image = await resolver.resolve(spec);
        log(`${entry.name} ${version}: ${image.ref} (${image.source})`);
      } catch (err) {
        // Only an engine with no offline image may be missing: its drills skip and print why.
        if (!(err instanceof ImageUnavailableError) || !("unavailable" in spec.offline)) throw err;
        log(`${entry.name} ${version}: not available here, its drills will skip (${spec.offline.unavailable})`);
      }
    }
  }
}
