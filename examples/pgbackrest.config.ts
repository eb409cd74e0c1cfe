import { defineConfig, type ProcedureConfig } from "dr-drill/config";

/**
 * pgBackRest, drilled as a procedure of the config: the repository lives in the artifact directory
 * (/dr-drill/artifact/repo), the source server pushes its WAL there with `archive-push`, the backup steps create the
 * stanza and take a full backup (and, for `pgbackrest-incr`, an incremental one after more writes), and the restore is
 * `pgbackrest restore` into the empty data directory, the server then fetching WAL with `archive-get`. The server's
 * socket is also in its data directory, where the backup steps (which mount it read-only) reach it.
 *
 *   dr-drill run --config examples/pgbackrest.config.ts --engine postgres --method pgbackrest-incr --scenario load
 */
const PGBACKREST =
  "pgbackrest --stanza=drill --repo1-path=/dr-drill/artifact/repo --pg1-path=/var/lib/postgresql/data " +
  "--log-path=/tmp --lock-path=/tmp --log-level-console=info";
/** The commands that talk to the server (stanza-create, backup) find it by its socket; archive-push refuses the option. */
const PGBR = `${PGBACKREST} --pg1-socket-path=/var/lib/postgresql/data`;

function pgbackrest(backups: string[]): ProcedureConfig {
  return {
    promises: "point-in-time",
    mode: "online",
    serverArgs: [
      "-c",
      "archive_mode=on",
      "-c",
      `archive_command=${PGBACKREST} archive-push %p`,
      "-c",
      "unix_socket_directories=/var/run/postgresql,/var/lib/postgresql/data",
    ],
    backup: [
      { name: "stanza-create", run: `${PGBR} stanza-create`, user: "postgres", data: "read-only" },
      ...backups.map((type, i) => ({
        name: `backup-${type}`,
        // Writers keep committing between the backups: the incremental carries their changes.
        run: `${i > 0 ? "sleep 2 && " : ""}${PGBR} backup --type=${type} --start-fast --archive-timeout=60`,
        user: "postgres",
        data: "read-only" as const,
        timeout: "5m",
      })),
    ],
    restore: {
      beforeStart: [
        {
          name: "pgbackrest-restore",
          run: `${PGBACKREST} restore --type=immediate --target-action=promote`,
          user: "postgres",
          timeout: "5m",
        },
      ],
    },
    customFaults: {
      // pgBackRest keeps a checksum of every file in the backup's manifest: a flipped byte must be refused by it.
      "pgbackrest-flip-byte": {
        action: "flip-byte",
        path: "^repo/backup/drill/[^/]+/pg_data/base/",
        expect: { refuses: "procedure step pgbackrest-restore exited \\d+: .*ERROR: \\[\\d+\\]" },
      },
      // The WAL segments the backup needs, missing from the archive: the server cannot reach a consistent state.
      "pgbackrest-missing-wal": {
        action: "delete",
        path: "^repo/archive/drill/[^/]+/[0-9A-F]{16}/[0-9A-F]{24}-",
        expect: {
          refuses: "could not locate required checkpoint record|unable to find|archive-get|requested WAL segment",
        },
      },
    },
  };
}

export default defineConfig({
  engines: {
    postgres: {
      procedures: {
        "pgbackrest-full": pgbackrest(["full"]),
        "pgbackrest-incr": {
          ...pgbackrest(["full", "incr"]),
          customFaults: {
            ...pgbackrest(["full", "incr"]).customFaults,
            // The full backup an incremental depends on, expired from the repository: pgBackRest must refuse.
            "pgbackrest-full-deleted": {
              action: "delete",
              path: "^repo/backup/drill/\\d{8}-\\d{6}F/",
              expect: { refuses: "procedure step pgbackrest-restore exited \\d+: .*ERROR: \\[\\d+\\]" },
            },
          },
        },
      },
    },
  },
});
