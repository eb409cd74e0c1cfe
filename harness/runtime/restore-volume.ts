import { join } from "node:path";
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { CommandExitError } from "./command-exit.ts";
import type { ResolvedImage } from "./images.ts";

/**
 * The volume a restore fills before the engine first starts on it, reached through a short-lived toolbox container of
 * the engine's own image (its shell and tools, run as root so ownership can be set for the engine's uid). Faults and
 * fixes between restore attempts act on it; nothing here knows any engine.
 */
export interface RestoreVolume {
  readonly name: string;
  /** Runs a shell script with the volume mounted at the engine's data path; returns its output, throws on failure. */
  sh(script: string): Promise<string>;
  /** Copies the contents of a host directory into the data path, owned by the engine's uid. */
  copyIn(hostDir: string): Promise<void>;
  /** Copies one file of a host directory (path relative to both roots) into the data path, owned by the engine's uid. */
  putBack(hostDir: string, rel: string): Promise<void>;
  /** Whether a path (relative to the data path) exists. */
  exists(rel: string): Promise<boolean>;
}

export function restoreVolume(opts: { image: ResolvedImage; volume: string; mountPath: string; uid: number; labels: Record<string, string> }): RestoreVolume {
  const { mountPath, uid } = opts;
  const withToolbox = async <T>(body: (box: StartedTestContainer) => Promise<T>): Promise<T> => {
    const box = await new GenericContainer(opts.image.ref)
      .withEntrypoint(["sleep"])
      .withCommand(["900"])
      .withUser("root")
      .withLabels(opts.labels)
      .withBindMounts([{ source: opts.volume, target: mountPath }])
      .withStartupTimeout(60_000)
      .start();
    try {
      return await body(box);
    } finally {
      await box.stop({ remove: true, timeout: 0 }).catch(() => undefined);
    }
  };
  const run = async (box: StartedTestContainer, script: string) => {
    const { exitCode, output } = await box.exec(["sh", "-c", script]);
    if (exitCode !== 0) throw new CommandExitError(`toolbox on volume ${opts.volume}: \`${script}\``, exitCode, output, 1000);
    return output;
  };
  return {
    name: opts.volume,
    sh: (script) => withToolbox((box) => run(box, script)),
    copyIn: (hostDir) =>
      withToolbox(async (box) => {
        await box.copyDirectoriesToContainer([{ source: hostDir, target: mountPath }]);
        await run(box, `chown -R ${uid}:${uid} '${mountPath}'`);
      }),
    putBack: (hostDir, rel) =>
      withToolbox(async (box) => {
        await box.copyFilesToContainer([{ source: join(hostDir, rel), target: `${mountPath}/${rel}` }]);
        await run(box, `chown ${uid}:${uid} '${mountPath}/${rel}'`);
      }),
    exists: (rel) => withToolbox(async (box) => (await box.exec(["test", "-e", `${mountPath}/${rel}`])).exitCode === 0),
  };
}
