import { AbstractStartedContainer, GenericContainer } from "testcontainers";
import type { ResolvedImage } from "../../harness/runtime/images.ts";
import { copyDirectoryOut } from "../../harness/runtime/archive.ts";
import { DATA_DIR, DATA_SUBDIRS, GATEIN } from "./layout.ts";

/**
 * Holds the `gatein` volume (data directory and conf/codec) where the platform would mount it, so files are written,
 * hashed and copied with ordinary tools. Runs any image with coreutils (the PostgreSQL one) doing nothing but wait;
 * a GenericContainer, so labels and network are testcontainers' own setters.
 */
export class GateinContainer extends GenericContainer {
  constructor(image: ResolvedImage) {
    super(image.ref);
    this.withCommand(["sleep", "infinity"]);
  }

  withVolume(name: string): this {
    return this.withBindMounts([{ source: name, target: GATEIN }]);
  }

  override async start(): Promise<GateinVolume> {
    const data = new GateinVolume(await super.start());
    await data.run(["mkdir", "-p", ...DATA_SUBDIRS.map((d) => `${DATA_DIR}/${d}`), `${GATEIN}/conf/codec`]);
    return data;
  }
}

/** The started holder of the `gatein` volume. */
export class GateinVolume extends AbstractStartedContainer {
  /** A command as root; its output, or thrown when it fails. */
  async run(args: string[]): Promise<string> {
    const { exitCode, output } = await this.exec(args, { user: "root" });
    if (exitCode !== 0) throw new Error(`${args.join(" ")} exited ${exitCode}: ${output.trim().slice(-1000)}`);
    return output;
  }

  /** Writes files (paths relative to GATEIN) in one archive. */
  async write(files: { path: string; content: Buffer }[]): Promise<void> {
    if (files.length)
      await this.copyContentToContainer(files.map((f) => ({ content: f.content, target: `${GATEIN}/${f.path}` })));
  }

  /** sha256 of every regular file under the given directories (relative to GATEIN), keyed by relative path. */
  async hashes(dirs: string[]): Promise<Map<string, string>> {
    // A directory a restore did not bring back is no error here: its files are simply absent from the records.
    const out = await this.run([
      "sh",
      "-c",
      `cd ${GATEIN} && for d in ${dirs.join(" ")}; do [ -d "$d" ] && find "$d" -type f -print0; done | xargs -0 -r sha256sum`,
    ]);
    const map = new Map<string, string>();
    for (const line of out.split("\n")) {
      const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line.trim());
      if (m) map.set(m[2]!, m[1]!);
    }
    return map;
  }

  copyOut(rel: string, hostDir: string): Promise<void> {
    return copyDirectoryOut(this, `${GATEIN}/${rel}`, hostDir);
  }

  async copyIn(hostDir: string, rel: string): Promise<void> {
    await this.copyDirectoriesToContainer([{ source: hostDir, target: `${GATEIN}/${rel}` }]);
  }
}
