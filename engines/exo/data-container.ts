import { GenericContainer, type StartedTestContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import { DATA_DIR, DATA_SUBDIRS, GATEIN } from "./layout.ts";

/**
 * Holds the `gatein` volume (data directory and conf/codec) where the platform would mount it, so files are written,
 * hashed and copied with ordinary tools. Runs any image with coreutils (the PostgreSQL one) doing nothing but wait.
 */
export class GateinVolume {
  private constructor(readonly container: StartedTestContainer) {}

  static async start(image: ResolvedImage, volume: string, labels: Record<string, string>, network: string): Promise<GateinVolume> {
    const container = await new GenericContainer(image.ref)
      .withLabels(labels)
      .withNetworkMode(network)
      .withNetworkAliases("gatein")
      .withBindMounts([{ source: volume, target: GATEIN }])
      .withCommand(["sleep", "infinity"])
      .start();
    const data = new GateinVolume(container);
    await data.exec(["mkdir", "-p", ...DATA_SUBDIRS.map((d) => `${DATA_DIR}/${d}`), `${GATEIN}/conf/codec`]);
    return data;
  }

  async exec(args: string[]): Promise<string> {
    const { exitCode, output } = await this.container.exec(args, { user: "root" });
    if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${output.trim().slice(-1000)}`);
    return output;
  }

  /** Writes files (paths relative to GATEIN) in one archive. */
  async write(files: { path: string; content: Buffer }[]): Promise<void> {
    if (files.length) await this.container.copyContentToContainer(files.map((f) => ({ content: f.content, target: `${GATEIN}/${f.path}` })));
  }

  /** sha256 of every regular file under the given directories (relative to GATEIN), keyed by relative path. */
  async hashes(dirs: string[]): Promise<Map<string, string>> {
    // A directory a restore did not bring back is no error here: its files are simply absent from the records.
    const out = await this.exec(["sh", "-c", `cd ${GATEIN} && for d in ${dirs.join(" ")}; do [ -d "$d" ] && find "$d" -type f -print0; done | xargs -0 -r sha256sum`]);
    const map = new Map<string, string>();
    for (const line of out.split("\n")) {
      const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line.trim());
      if (m) map.set(m[2]!, m[1]!);
    }
    return map;
  }

  copyOut(rel: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this.container, `${GATEIN}/${rel}`, hostDir);
  }

  async copyIn(hostDir: string, rel: string): Promise<void> {
    await this.container.copyDirectoriesToContainer([{ source: hostDir, target: `${GATEIN}/${rel}` }]);
  }

  async stop(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 0 });
  }
}
