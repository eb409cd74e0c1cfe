import { docker } from "../../harness/runtime/docker.ts";
import { run } from "../../harness/runtime/shell.ts";
import { PGDATA, PG_UID } from "./container.ts";

/** What dr-drill read from an image, to compare with what its PostgreSQL code relies on. */
export interface PostgresImageFacts {
  /** `postgres --version` in the image. */
  version: string;
  /** The image's PGDATA (its environment), if it sets one. */
  pgdata: string | undefined;
  /** `id -u postgres` in the image. */
  uid: string;
  entrypoint: string[];
  /** The entrypoint script reads POSTGRES_PASSWORD (the official image's contract for creating the user). */
  honoursPassword: boolean;
}

/**
 * The differences between an image and what dr-drill's PostgreSQL code relies on (protocols/pg/container.ts): the
 * major version of the drill, the data directory, the server's uid, and the official entrypoint's contract (it
 * initialises an empty PGDATA with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB and starts an existing one as is).
 * Empty: the image fits.
 */
export function postgresImageDifferences(facts: PostgresImageFacts, major: string): string[] {
  const found = /\(PostgreSQL\) (\d+)/.exec(facts.version)?.[1];
  return [
    ...(found === major
      ? []
      : [
          `PostgreSQL major ${found ?? "unknown"} (postgres --version: "${facts.version.trim()}"), the drill needs ${major}`,
        ]),
    ...(facts.pgdata === PGDATA
      ? []
      : [`PGDATA is ${facts.pgdata ?? "not set"}, dr-drill mounts the data at ${PGDATA}`]),
    ...(facts.uid === String(PG_UID)
      ? []
      : [`user postgres has uid ${facts.uid || "none"}, dr-drill expects ${PG_UID}`]),
    ...(facts.entrypoint.some((e) => e.endsWith("docker-entrypoint.sh"))
      ? []
      : [`entrypoint is ${JSON.stringify(facts.entrypoint)}, not the official image's docker-entrypoint.sh`]),
    ...(facts.honoursPassword ? [] : ["its docker-entrypoint.sh does not read POSTGRES_PASSWORD"]),
  ];
}

/** Reads the facts from the image: its configuration, then a throwaway container of it (labelled, removed). */
export async function postgresImageFacts(ref: string): Promise<PostgresImageFacts> {
  const config = (await docker().getImage(ref).inspect()).Config;
  const pgdata = (config.Env ?? []).find((e) => e.startsWith("PGDATA="))?.slice("PGDATA=".length);
  const probe = await run(
    "docker",
    [
      ...["run", "--rm", "--label", "dr-drill.managed=true", "--entrypoint", "sh", ref, "-c"],
      'postgres --version; echo "uid=$(id -u postgres)"; ep=$(command -v docker-entrypoint.sh) && grep -q POSTGRES_PASSWORD "$ep" && echo password=yes',
    ],
    { timeoutMs: 120_000 },
  );
  // 126/127: Docker ran the image but found no shell in it (dr-drill's restore steps run shell commands there).
  const noShell = probe.code === 126 || probe.code === 127;
  if (probe.code !== 0 && !noShell && !probe.stdout.includes("uid="))
    throw new Error(`could not run ${ref} to inspect it: ${(probe.stderr || probe.stdout).trim().slice(-500)}`);
  if (noShell && !probe.stdout.includes("uid="))
    return {
      version: "no shell (sh) in the image",
      pgdata,
      uid: "",
      entrypoint: [config.Entrypoint ?? []].flat(),
      honoursPassword: false,
    };
  return {
    version: probe.stdout.split("\n")[0] ?? "",
    pgdata,
    uid: /uid=(\d*)/.exec(probe.stdout)?.[1] ?? "",
    entrypoint: [config.Entrypoint ?? []].flat(),
    honoursPassword: probe.stdout.includes("password=yes"),
  };
}
