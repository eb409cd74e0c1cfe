import type { ResolvedImage } from "./images.ts";
import { withToolbox, type Toolbox, type Transfer } from "./toolbox.ts";

/**
 * The volume a restore fills before the engine first starts on it, reached through a short-lived toolbox container of
 * the engine's own image (its shell and tools, run as root so ownership can be set for the engine's uid). Faults and
 * fixes between restore attempts act on it; nothing here knows any engine.
 */
export interface RestoreVolume {
  readonly name: string;
  /** Runs a shell script with the volume mounted at the engine's data path; returns its output, throws on failure. */
  sh(script: string): Promise<string>;
  /** Copies the contents of a host directory into the data path, owned by the engine's uid; the host's stay as they are. */
  copyIn(hostDir: string): Promise<void>;
  /** Copies one file of a host directory (path relative to both roots) into the data path, owned by the engine's uid. */
  putBack(hostDir: string, rel: string): Promise<void>;
  /** Whether a path (relative to the data path) exists. */
  exists(rel: string): Promise<boolean>;
}

export function restoreVolume(opts: {
  image: ResolvedImage;
  volume: string;
  mountPath: string;
  uid: number;
  labels: Record<string, string>;
  transfer?: Transfer;
}): RestoreVolume {
  const { mountPath, uid } = opts;
  const toolbox = <T>(from: string | undefined, body: (box: Toolbox) => Promise<T>): Promise<T> =>
    withToolbox(
      {
        image: opts.image.ref,
        labels: opts.labels,
        volumes: [{ name: opts.volume, path: mountPath }],
        host: from === undefined ? undefined : { dir: from, direction: "in" },
        transfer: opts.transfer,
      },
      body,
    );
  return {
    name: opts.volume,
    sh: (script) => toolbox(undefined, (box) => box.sh(script)),
    copyIn: (hostDir) =>
      toolbox(hostDir, async (box) => {
        await box.copyIn(mountPath);
        await box.run(["chown", "-R", `${uid}:${uid}`, mountPath]);
      }),
    putBack: (hostDir, rel) =>
      toolbox(hostDir, async (box) => {
        await box.copyIn(`${mountPath}/${rel}`, rel);
        await box.run(["chown", `${uid}:${uid}`, "--", `${mountPath}/${rel}`]);
      }),
    exists: (rel) =>
      toolbox(undefined, async (box) => (await box.exec(["test", "-e", `${mountPath}/${rel}`])).exitCode === 0),
  };
}
