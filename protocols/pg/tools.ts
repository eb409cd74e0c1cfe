import { PG_SOCKET_DIR, type StartedPostgres } from "./container.ts";

/** A PostgreSQL tool run inside the container reaches the server through its local socket, as `user`, never prompting. */
export function socketArgs(user: string): string[] {
  return ["-h", PG_SOCKET_DIR, "-U", user, "--no-password"];
}

/** `pg_dump -Fc` of `database` into `file` inside the container; a source that cannot be dumped is an error of the drill. */
export function pgDump(pg: StartedPostgres, database: string, file: string): Promise<string> {
  return pg.toolOrThrow(["pg_dump", ...socketArgs(pg.credentials.user), "-d", database, "-Fc", "-f", file]);
}

/** `pg_restore` of a custom-format dump into `database`, stopping at the first error: its exit says whether the backup restored. */
export function pgRestore(
  pg: StartedPostgres,
  database: string,
  file: string,
): Promise<{ exitCode: number; output: string }> {
  return pg.tool([
    "pg_restore",
    ...socketArgs(pg.credentials.user),
    "-d",
    database,
    "--no-owner",
    "--exit-on-error",
    file,
  ]);
}
