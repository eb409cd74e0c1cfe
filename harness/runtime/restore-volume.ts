import type { ResolvedImage } from "./images.ts";
import { withToolbox, type Toolbox, type Transfer } from "./toolbox.ts";

/**
 * The volume a restore fills before the engine first starts on it, reached through a short-lived toolbox container of
 * the engine's own image (its shell and tools, run as root so ownership can be set for the engine's uid). Faults and
 * fixes between restore attempts act on it; nothing here knows any engine.
 */
export interface RestoreVolume {
  readonly name: string;
  /** Who the copied files are chowned to, as `chown` reads it inside the engine's image (`uid:gid` or `user:group`). */
  readonly owner: string;
  /** Runs a shell script with the volume mounted at the engine's data path; returns its output, throws on failure. */
  sh(script: string): Promise<string>;
  /** Copies the contents of a host directory into the data path, owned by the engine's uid; the host's stay as they are. */
  copyIn(hostDir: string): Promise<void>;
  /** Copies one file of a host directory (path relative to both roots) into the data path, owned by the engine's uid. */
  putBack(hostDir: string, rel: string): Promise<void>;
  /** Whether a path (relative to the data path) exists. */
  exists(rel: string): Promise<boolean>;
}

/**
 * The engine's files belong to `uid` (as `uid:uid`), or to `owner` by name where the image does not pin the ids: the
 * name is then resolved by the image's own /etc/passwd, since the toolbox runs that image.
 */
export type VolumeOwner = { uid: number } | { owner: string };

export function restoreVolume(
  opts: {
    image: ResolvedImage;
    volume: string;
    mountPath: string;
    labels: Record<string, string>;
    transfer?: Transfer;
  } & VolumeOwner,
): RestoreVolume {
  const { mountPath } = opts;
  const owner = "owner" in opts ? opts.owner : `${opts.uid}:${opts.uid}`;
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
    owner,
    sh: (script) => toolbox(undefined, (box) => box.sh(script)),
    copyIn: (hostDir) =>
      toolbox(hostDir, async (box) => {
        await box.copyIn(mountPath);
        await box.run(chownArgs(owner, mountPath, { recursive: true }));
      }),
    putBack: (hostDir, rel) =>
      toolbox(hostDir, async (box) => {
        await box.copyIn(`${mountPath}/${rel}`, rel);
        await box.run(chownArgs(owner, `${mountPath}/${rel}`, { recursive: false }));
      }),
    exists: (rel) =>
      toolbox(undefined, async (box) => (await box.exec(["test", "-e", `${mountPath}/${rel}`])).exitCode === 0),
  };
}

/** The `chown` a toolbox of the engine's image runs on restored files: names are resolved by that image. */
export function chownArgs(owner: string, path: string, opts: { recursive: boolean }): string[] {
  return ["chown", ...(opts.recursive ? ["-R"] : []), owner, "--", path];
}
