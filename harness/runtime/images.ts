import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { docker } from "./docker.ts";
import { run, runOrThrow } from "./shell.ts";
import type { ImageMode } from "./image-mode.ts";
import { InputError } from "../errors.ts";

export { IMAGE_MODES, parseImageMode, type ImageMode } from "./image-mode.ts";

/** How to build an engine version's offline image. */
export interface OfflineRecipe {
  /**
   * Directory holding the Dockerfile and what it copies, or a function that prepares one (e.g. downloads a jar into
   * a cache); it is called only when the offline image is actually needed.
   */
  contextDir: string | (() => string | Promise<string>);
  /** Debian release for the base image (debootstrap suite). */
  debianSuite: string;
  buildArgs: Record<string, string>;
}

/** An engine whose image cannot be built from package registries (no Debian package, no jar, no Go module). */
export interface NoOfflineImage {
  /** Why not, for the person who asked (e.g. "EMQX publishes no Debian package or Maven artifact"). */
  unavailable: string;
}

export interface ImageSpec {
  engine: string;
  version: string;
  official: string;
  offline: OfflineRecipe | NoOfflineImage;
  /**
   * What differs between an image the user names (`--image engine=REF`) and what the engine's code relies on (version,
   * data directory, uid, entrypoint); empty when it fits.
   */
  contract?: (ref: string) => Promise<string[]>;
}

/** An image the user named for an engine (`--image postgres=REF`, or the config's `engines.<name>.image`). */
export interface UserImage {
  engine: string;
  ref: string;
}

/** The user's image does not fit what dr-drill relies on: bad input, said before any drill starts. */
export class UserImageMismatchError extends InputError {}

export interface ResolvedImage {
  ref: string;
  /** Content-addressed image id (sha256:…), for the evidence. */
  id: string;
  source: "official" | "offline" | "user";
}

export class ImageUnavailableError extends Error {}

async function imageId(ref: string): Promise<string | undefined> {
  try {
    return (await docker().getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}

async function hashDir(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile());
  const paths = entries.map((e) => join(e.parentPath, e.name)).sort();
  for (const path of paths)
    hash
      .update(path.slice(dir.length))
      .update("\0")
      .update(await readFile(path))
      .update("\0");
}

/** Official images this process could not pull: asked once, not again for every drill. */
const failedPulls = new Set<string>();

/** The recipe of the Debian base; part of its tag so a change rebuilds it. */
const DEBOOTSTRAP = { variant: "minbase", mirror: "http://deb.debian.org/debian", recipe: 1 };

export class ImageResolver {
  private readonly resolved = new Map<string, Promise<ResolvedImage>>();

  constructor(
    readonly mode: ImageMode,
    private readonly log: (line: string) => void,
    private readonly userImage?: UserImage,
  ) {}

  /** Resolves once per engine and version for the resolver's lifetime (a drill asks several times). */
  resolve(spec: ImageSpec): Promise<ResolvedImage> {
    const key = `${spec.engine}:${spec.version}`;
    let pending = this.resolved.get(key);
    if (!pending) {
      pending = this.resolveNow(spec);
      pending.catch(() => this.resolved.delete(key));
      this.resolved.set(key, pending);
    }
    return pending;
  }

  private async resolveNow(spec: ImageSpec): Promise<ResolvedImage> {
    if (this.userImage?.engine === spec.engine) return this.user(spec, this.userImage.ref);
    const recipe = spec.offline;
    if ("unavailable" in recipe) {
      const official = this.mode === "offline" ? await this.present(spec.official) : await this.official(spec);
      if (official) return official;
      throw new ImageUnavailableError(
        `${spec.engine} ${spec.version} needs the official image ${spec.official}, which is not present${this.mode === "offline" ? "" : " and cannot be pulled"}, and no offline image can be built (${recipe.unavailable}). Make it available with \`docker pull ${spec.official}\` (or, on a machine without a registry, \`docker load -i\` an image saved elsewhere with \`docker save ${spec.official}\`), then run again.`,
      );
    }
    if (this.mode !== "offline") {
      const official = await this.official(spec);
      if (official) return official;
      if (this.mode === "official") {
        throw new ImageUnavailableError(
          `${spec.official} is not present and cannot be pulled (no registry reachable?). Run with --images offline (or DR_DRILL_IMAGES=offline) to build it locally.`,
        );
      }
      this.log(
        `${spec.official} cannot be pulled: building the offline image for ${spec.engine} ${spec.version} instead`,
      );
    }
    return this.offline(spec, recipe);
  }

  private async present(ref: string): Promise<ResolvedImage | undefined> {
    const id = await imageId(ref);
    return id ? { ref, id, source: "official" } : undefined;
  }

  private async official(spec: ImageSpec): Promise<ResolvedImage | undefined> {
    const id = await this.presentOrPulled(spec.official);
    return id ? { ref: spec.official, id, source: "official" } : undefined;
  }

  private async presentOrPulled(ref: string): Promise<string | undefined> {
    const id = await imageId(ref);
    if (id) return id;
    if (failedPulls.has(ref)) return undefined;
    this.log(`pulling ${ref}…`);
    const pulled = await run("docker", ["pull", ref], {
      timeoutMs: 900_000,
      onLine: (l) => /Pull complete|Digest|Status/.test(l) && this.log(`  ${l}`),
    });
    if (pulled.code !== 0) {
      failedPulls.add(ref);
      this.log(`  ${(pulled.stderr || pulled.stdout).trim().split("\n").at(-1)}`);
      return undefined;
    }
    return imageId(ref);
  }

  /** The user's image, present or pulled, inspected against the engine's contract before any drill uses it. */
  private async user(spec: ImageSpec, ref: string): Promise<ResolvedImage> {
    const flag = `--image ${spec.engine}=${ref}`;
    const id = this.mode === "offline" ? await imageId(ref) : await this.presentOrPulled(ref);
    if (!id)
      throw new ImageUnavailableError(
        `${flag}: the image is not present${this.mode === "offline" ? "" : " and cannot be pulled"}; build it or \`docker load\` it, then run again`,
      );
    const differences = (await spec.contract?.(ref)) ?? [];
    if (differences.length)
      throw new UserImageMismatchError(
        `${flag} does not fit dr-drill's ${spec.engine} ${spec.version}: ${differences.join("; ")}`,
      );
    this.log(`${ref} (yours) fits ${spec.engine} ${spec.version}`);
    return { ref, id, source: "user" };
  }

  private async offline(spec: ImageSpec, recipe: OfflineRecipe): Promise<ResolvedImage> {
    const base = await this.debianBase(recipe.debianSuite);
    let contextDir: string;
    if (typeof recipe.contextDir === "function") {
      this.log(`preparing the build context of ${spec.engine} ${spec.version} (downloads once, then cached)…`);
      contextDir = await recipe.contextDir();
    } else {
      contextDir = recipe.contextDir;
    }
    const hash = createHash("sha256").update(base.id).update(JSON.stringify(recipe.buildArgs));
    await hashDir(hash, contextDir);
    const ref = `dr-drill-offline/${spec.engine}:${spec.version}-${hash.digest("hex").slice(0, 12)}`;
    let id = await imageId(ref);
    if (!id) {
      this.log(`building ${ref} from ${contextDir} (cached by a hash of its inputs)…`);
      // --force-rm: a failed step must not leave its intermediate container behind.
      const args = [
        "build",
        "--network",
        "host",
        "--pull=false",
        "--force-rm",
        "-t",
        ref,
        "--build-arg",
        `BASE_IMAGE=${base.ref}`,
        "--label",
        "dr-drill.offline=true",
      ];
      for (const [k, v] of Object.entries(recipe.buildArgs)) args.push("--build-arg", `${k}=${v}`);
      args.push(contextDir);
      const started = Date.now();
      // The legacy builder works with any daemon version and streams plain step lines we can show.
      const built = await run("docker", args, {
        timeoutMs: 1_800_000,
        env: { ...process.env, DOCKER_BUILDKIT: "0" },
        onLine: (l) => /^Step \d+\/\d+/.test(l) && this.log(`  ${l.slice(0, 140)}`),
      });
      if (built.code !== 0)
        throw new ImageUnavailableError(
          `building ${ref} failed:\n${(built.stderr || built.stdout).trim().slice(-3000)}`,
        );
      id = await imageId(ref);
      this.log(`built ${ref} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    if (!id) throw new ImageUnavailableError(`${ref} was built but cannot be inspected`);
    return { ref, id, source: "offline" };
  }

  /** A Debian base image from debootstrap and `docker import`: the only way to a base image without a registry. */
  private async debianBase(suite: string): Promise<{ ref: string; id: string }> {
    const tag = createHash("sha256")
      .update(JSON.stringify({ suite, ...DEBOOTSTRAP }))
      .digest("hex")
      .slice(0, 12);
    const ref = `dr-drill-offline/debian:${suite}-${tag}`;
    const existing = await imageId(ref);
    if (existing) return { ref, id: existing };
    if (!existsSync("/usr/sbin/debootstrap")) {
      if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
        throw new ImageUnavailableError(
          "offline images need debootstrap (Debian/Ubuntu, root): install it, or use --images official",
        );
      }
      this.log("installing debootstrap…");
      await runOrThrow("apt-get", ["update", "-qq"], { timeoutMs: 300_000 });
      await runOrThrow("apt-get", ["install", "-y", "-qq", "debootstrap"], {
        timeoutMs: 300_000,
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    }
    const root = await mkdtemp(join(tmpdir(), `dr-drill-debootstrap-${suite}-`));
    try {
      this.log(`debootstrap ${suite} (${DEBOOTSTRAP.variant}) into ${root}…`);
      let fetched = 0;
      await runOrThrow("debootstrap", [`--variant=${DEBOOTSTRAP.variant}`, suite, root, DEBOOTSTRAP.mirror], {
        timeoutMs: 900_000,
        onLine: (l) => {
          if (/^I: Retrieving/.test(l) && ++fetched % 25 === 0) this.log(`  ${fetched} packages retrieved…`);
          if (/^I: (Base system installed|Installing core|Unpacking the base)/.test(l)) this.log(`  ${l}`);
        },
      });
      this.log(`importing ${root} as ${ref}…`);
      const tar = spawn("tar", ["-C", root, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
      await runOrThrow("docker", ["import", "-", ref], { timeoutMs: 600_000, input: tar.stdout });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    const id = await imageId(ref);
    if (!id) throw new ImageUnavailableError(`importing ${ref} failed`);
    return { ref, id };
  }
}
