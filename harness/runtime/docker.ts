import { existsSync, openSync } from "node:fs";
import { spawn } from "node:child_process";
import Docker from "dockerode";
import { run, runOrThrow } from "./shell.ts";

/** No Docker engine can be used, and dr-drill cannot start one here. The message says what to do. */
export class DockerUnavailableError extends Error {}

let client: Docker | undefined;

/** The Docker API client (honours DOCKER_HOST like the docker CLI and testcontainers). */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

/** Whether a Docker engine answers within the time-out; the timer does not keep the process alive after the answer. */
export async function dockerAnswers(timeoutMs = 3000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker().ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), timeoutMs))),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes sure a Docker engine answers. When none does and this is Debian/Ubuntu as root, installs Debian's `docker.io`
 * (if missing, and `install` is not false: only `dr-drill setup` installs system packages) and starts `dockerd` with
 * published ports bound to loopback. Idempotent: a running engine is left alone.
 */
export async function ensureDocker(log: (line: string) => void, opts: { install?: boolean } = {}): Promise<void> {
  if (await dockerAnswers()) return;
  // A remote engine named by DOCKER_HOST is not replaced by a local one: the drills would run somewhere else.
  if (process.env.DOCKER_HOST) {
    throw new DockerUnavailableError(
      `DOCKER_HOST=${process.env.DOCKER_HOST} does not answer. Check that engine is up and reachable, or unset DOCKER_HOST to use the local one.`,
    );
  }
  const canInstall = process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    throw new DockerUnavailableError(
      "No Docker engine answers (tried DOCKER_HOST or /var/run/docker.sock). Start Docker and run again; " +
        "on Debian/Ubuntu as root dr-drill installs docker.io and starts dockerd itself (`dr-drill setup`).",
    );
  }
  if (!existsSync("/usr/sbin/dockerd")) {
    if (opts.install === false) {
      throw new DockerUnavailableError(
        "No Docker engine answers and Docker is not installed. Run `dr-drill setup` (it installs Debian's docker.io and starts it), or install Docker yourself.",
      );
    }
    log("Docker engine not installed: installing Debian's docker.io (apt-get)…");
    await runOrThrow("apt-get", ["update", "-qq"], { timeoutMs: 300_000 });
    await runOrThrow("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "docker.io"], {
      timeoutMs: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      onLine: (l) => /^(Setting up|Unpacking) /.test(l) && log(`  ${l}`),
    });
  }
  log("Starting dockerd (ports published on 127.0.0.1, log in /var/log/dr-drill-dockerd.log)…");
  const out = openSync("/var/log/dr-drill-dockerd.log", "a");
  const daemon = spawn("/usr/sbin/dockerd", ["--ip=127.0.0.1"], { detached: true, stdio: ["ignore", out, out] });
  daemon.unref();
  for (let i = 0; i < 60; i++) {
    if (await dockerAnswers()) {
      log("Docker engine answers.");
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const tail = await run("tail", ["-n", "20", "/var/log/dr-drill-dockerd.log"], { timeoutMs: 5000 });
  throw new DockerUnavailableError(`dockerd did not answer within 60 s. Its log ends with:\n${tail.stdout}`);
}

/**
 * The address at which a container's published ports are reached from here. A remote engine (DOCKER_HOST=tcp://…)
 * publishes them on its own host, the one testcontainers reports. The local engine publishes them on loopback
 * (dr-drill starts dockerd with --ip=127.0.0.1); for a local socket testcontainers guesses the bridge gateway as soon
 * as this process runs inside a container, where nothing is published. TESTCONTAINERS_HOST_OVERRIDE still wins.
 */
export function publishedHost(container: { getHost(): string }, env: NodeJS.ProcessEnv = process.env): string {
  return dockerIsLocal(env) ? "127.0.0.1" : container.getHost();
}

/**
 * Whether the Docker engine runs on this machine and sees its files: no tcp/http DOCKER_HOST and no
 * TESTCONTAINERS_HOST_OVERRIDE (which says the containers live somewhere else).
 */
export function dockerIsLocal(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(tcp|https?):\/\//.test(env.DOCKER_HOST ?? "") && !env.TESTCONTAINERS_HOST_OVERRIDE;
}

/**
 * The uid:gid that, set inside a container, makes a file on a bind mount belong to the user running dr-drill. Under
 * rootless Docker the containers' root is that user (a uid set inside would map to one of its subordinate uids).
 */
export function hostOwner(
  securityOptions: string[],
  ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
): string {
  return securityOptions.some((o) => o.includes("name=rootless")) ? "0:0" : `${ids.uid}:${ids.gid}`;
}

let securityOptions: Promise<string[]> | undefined;

/** The engine's security options (`docker info`), asked once. */
export function engineSecurityOptions(): Promise<string[]> {
  securityOptions ??= docker()
    .info()
    .then((info: { SecurityOptions?: string[] }) => info.SecurityOptions ?? []);
  return securityOptions;
}
