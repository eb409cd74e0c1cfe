import { mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { copyDirectoryOut } from "./archive.ts";
import { CommandExitError } from "./command-exit.ts";
import { packDirectory } from "./pack.ts";
import { dockerIsLocal, engineSecurityOptions, hostOwner } from "./docker.ts";

/**
 * How bytes move between this machine and a container. `bind-mount`: the host directory is mounted into the toolbox
 * and `cp -a` copies inside it, no byte passing through this process (the Docker engine must see this machine's
 * files). `archive`: Docker's archive API, a tar stream through this process (any engine, a remote one too).
 */
export type Transfer = "bind-mount" | "archive";

export function defaultTransfer(env: NodeJS.ProcessEnv = process.env): Transfer {
  return dockerIsLocal(env) ? "bind-mount" : "archive";
}

/** What the evidence says about how a copy reached the host or the volume. */
export const TRANSFER_TOOL: Record<Transfer, string> = {
  "bind-mount": "cp -a through a bind mount of the host directory",
  archive: "Docker's archive API (tar through dr-drill)",
};

const HOST_MOUNT = "/dr-drill-host";
const STAGING = "/tmp/dr-drill-staging";

export interface ToolboxOptions {
  /** The engine's own image: its shell and tools. */
  image: string;
  labels: Record<string, string>;
  volumes: { name: string; path: string; readOnly?: boolean }[];
  /** The one host directory this toolbox copies to (`out`) or from (`in`, never modified). */
  host?: { dir: string; direction: "out" | "in" };
  transfer?: Transfer;
}

/**
 * Runs `body` with a short-lived container of an engine's image, as root, labelled with the drill's labels, the named
 * volumes mounted, and removed afterwards whatever happens.
 */
export async function withToolbox<T>(opts: ToolboxOptions, body: (box: Toolbox) => Promise<T>): Promise<T> {
  const transfer = opts.transfer ?? defaultTransfer();
  const mounts: { source: string; target: string; mode: "ro" | "rw" }[] = opts.volumes.map((v) => ({
    source: v.name,
    target: v.path,
    mode: v.readOnly ? "ro" : "rw",
  }));
  const host = opts.host && { ...opts.host, dir: resolve(opts.host.dir) };
  if (host?.direction === "out") await mkdir(host.dir, { recursive: true });
  if (host && transfer === "bind-mount")
    mounts.push({ source: host.dir, target: HOST_MOUNT, mode: host.direction === "in" ? "ro" : "rw" });
  const started = await new GenericContainer(opts.image)
    .withEntrypoint(["sleep"])
    .withCommand(["900"])
    .withUser("root")
    .withLabels(opts.labels)
    .withBindMounts(mounts)
    .withStartupTimeout(60_000)
    .start();
  try {
    return await body(
      new Toolbox(started, transfer, `toolbox on volume ${opts.volumes.map((v) => v.name).join(", ")}`, host),
    );
  } finally {
    await started.stop({ remove: true, timeout: 0 }).catch(() => undefined);
  }
}

export class Toolbox {
  constructor(
    readonly container: StartedTestContainer,
    readonly transfer: Transfer,
    private readonly what: string,
    private readonly host: { dir: string; direction: "out" | "in" } | undefined,
  ) {}

  /** How this toolbox's copies reach the host, for the evidence. */
  get how(): string {
    return TRANSFER_TOOL[this.transfer];
  }

  async exec(args: string[], user?: string): Promise<{ exitCode: number; output: string }> {
    const { exitCode, output } = await this.container.exec(args, user ? { user } : {});
    return { exitCode, output };
  }

  /** Runs a shell script; returns its output, throws naming the script on failure. */
  sh(script: string): Promise<string> {
    return this.run(["sh", "-c", script], `\`${script}\``);
  }

  /** Runs a command (no shell: arguments are passed as they are); returns its output, throws on failure. */
  async run(args: string[], what = args.join(" ")): Promise<string> {
    const { exitCode, output } = await this.exec(args);
    if (exitCode !== 0) throw new CommandExitError(`${this.what}: ${what}`, exitCode, output, 1000);
    return output;
  }

  /**
   * Fills the host directory: `fill(dest)` writes into `dest`, a directory inside the toolbox. Through a bind mount,
   * `dest` is the host directory itself, whose files are then handed to the user running dr-drill (even after a failed
   * fill, so the work directory can still be removed); through the archive API, a staging directory streamed out.
   * `abortAfterBytes` breaks the transfer after that many bytes of its tar stream, for drills of interrupted copies.
   */
  async toHost<T>(fill: (dest: string) => Promise<T>, opts: { abortAfterBytes?: number } = {}): Promise<T> {
    const hostDir = this.hostDir("out");
    if (this.transfer === "archive" || opts.abortAfterBytes !== undefined)
      await this.sh(`rm -rf ${STAGING} && mkdir -p ${STAGING}`);
    if (this.transfer === "archive") {
      const value = await fill(STAGING);
      await copyDirectoryOut(this.container, STAGING, hostDir, opts);
      return value;
    }
    const owner = hostOwner(await engineSecurityOptions());
    let value: T;
    try {
      if (opts.abortAfterBytes === undefined) value = await fill(HOST_MOUNT);
      else {
        value = await fill(STAGING);
        await this.cutTransfer(opts.abortAfterBytes);
      }
    } catch (err) {
      await this.exec(["chown", "-R", owner, HOST_MOUNT]);
      throw err;
    }
    await this.sh(`chown -R ${owner} ${HOST_MOUNT}`);
    await this.sameDirectory(hostDir);
    return value;
  }

  /** Copies the contents of `dir` (a directory inside the toolbox) into the host directory. */
  async copyOut(dir: string): Promise<void> {
    if (this.transfer === "archive") return copyDirectoryOut(this.container, dir, this.hostDir("out"));
    await this.toHost((dest) => this.copyContents(dir, dest));
  }

  /** Copies the host directory's contents, or its one file `rel`, to `target` inside the toolbox; the host's stay as they are. */
  async copyIn(target: string, rel?: string): Promise<void> {
    const hostDir = this.hostDir("in");
    if (rel === undefined) await this.run(["mkdir", "-p", "--", target]);
    if (this.transfer === "archive") {
      if (rel === undefined) return this.container.copyArchiveToContainer(packDirectory(hostDir), target);
      // Under a plain name first: testcontainers reads a backslash in a target path as a directory separator.
      await this.container.copyFilesToContainer([{ source: join(hostDir, rel), target: STAGING }]);
      return this.cp('mkdir -p -- "$(dirname -- "$2")" && mv -- "$1" "$2"', STAGING, target);
    }
    await this.sameDirectory(hostDir);
    if (rel === undefined) await this.copyContents(HOST_MOUNT, target);
    else await this.cp('mkdir -p -- "$(dirname -- "$2")" && cp -a -- "$1" "$2"', `${HOST_MOUNT}/${rel}`, target);
  }

  private copyContents(from: string, to: string): Promise<void> {
    return this.cp('cp -a -- "$1"/. "$2"/', from, to);
  }

  /** A copy script given the paths as positional arguments: names are never quoted into the script. */
  private async cp(script: string, from: string, to: string): Promise<void> {
    const { exitCode, output } = await this.exec(["sh", "-c", script, "sh", from, to]);
    if (exitCode !== 0)
      throw new Error(`${this.what}: cp -a from ${from} to ${to} exited ${exitCode}: ${output.trim().slice(-1000)}`);
  }

  /** The staged copy through a pipe cut after `bytes` of its tar stream: a transfer that breaks midway. */
  private async cutTransfer(bytes: number): Promise<void> {
    const { exitCode, output } = await this.exec([
      "sh",
      "-c",
      `tar -C ${STAGING} -cf - . | head -c ${bytes} | tar -C ${HOST_MOUNT} -xf -`,
    ]);
    if (exitCode !== 0) {
      const said = output.trim().split("\n")[0] ?? "";
      throw new Error(
        `copy interrupted after ${bytes} bytes (injected fault: the transfer broke midway; tar said: ${said})`,
      );
    }
  }

  /**
   * The host directory as this process sees it holds as many entries as the toolbox sees at the mount: otherwise the
   * Docker engine mounted a directory of another machine (dr-drill running inside a container beside the engine).
   */
  private async sameDirectory(hostDir: string): Promise<void> {
    const seen = (await this.sh(`find ${HOST_MOUNT} -mindepth 1 -maxdepth 1 -printf x | wc -c`)).trim();
    const here = (await readdir(hostDir)).length;
    if (Number(seen) !== here) {
      throw new Error(
        `the Docker engine mounted another directory than ${hostDir} (${seen} entries there, ${here} here): it does not see this machine's files. ` +
          "Point DOCKER_HOST at it as tcp://… (or set TESTCONTAINERS_HOST_OVERRIDE) so copies go through Docker's archive API.",
      );
    }
  }

  private hostDir(direction: "out" | "in"): string {
    if (this.host?.direction !== direction)
      throw new Error(
        `${this.what} was started without a host directory to copy ${direction === "out" ? "to" : "from"}`,
      );
    return this.host.dir;
  }
}
