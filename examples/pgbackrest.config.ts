import { defineConfig, type CustomFaultConfig, type ProcedureConfig } from "dr-drill/config";

/**
 * pgBackRest, drilled as a procedure of the config: the repository lives in the artifact directory
 * (/dr-drill/artifact/repo), the source server pushes its WAL there with `archive-push`, the backup steps create the
 * stanza and take a full backup (and, for `pgbackrest-incr`, an incremental one after more writes), and the restore is
 * `pgbackrest restore` into the empty data directory, the server then fetching WAL with `archive-get`. The server's
 * socket is also in its data directory, where the backup steps (which mount it read-only) reach it.
 *
 *   dr-drill run --config examples/pgbackrest.config.ts --engine postgres --method pgbackrest-full
 *   dr-drill run --config examples/pgbackrest.config.ts --engine postgres --method pgbackrest-incr --scenario load,pgbackrest-full-deleted
 *
 * pgBackRest's configuration, written into the artifact directory by the first backup step, so the restore reads it
 * there too. In a file, an option a command does not take is ignored (on the command line it is an error). The
 * repository is uncompressed, so that a damaged file reaches pgBackRest's own checksum, not a decompressor's error.
 */
const CONF = [
  "[global]",
  "repo1-path=/dr-drill/artifact/repo",
  "compress-type=none",
  "log-path=/tmp",
  "lock-path=/tmp",
  "log-level-console=info",
  // A damaged file is refused at once, not after pgBackRest's retries of the job (0 s, then 15 s later).
  "job-retry=0",
  "[drill]",
  "pg1-path=/var/lib/postgresql/data",
  // The backup steps reach the server by its socket, in the data directory they mount read-only.
  "pg1-socket-path=/var/lib/postgresql/data",
];
const PGBACKREST = "pgbackrest --config=/dr-drill/artifact/pgbackrest.conf --stanza=drill";

/** pgBackRest's refusal, in its words: the restore step failed with pgBackRest's `ERROR: [code]` and this text. */
const refusedByPgbackrest = (text: string) => ({
  refuses: `procedure step pgbackrest-restore exited \\d+: .*ERROR: \\[\\d+\\]: .*${text}`,
});

const faults: Record<string, CustomFaultConfig> = {
  // pgBackRest keeps a checksum of every file in the backup's manifest: a flipped byte must be refused by it.
  "pgbackrest-flip-byte": {
    action: "flip-byte",
    path: "^repo/backup/drill/[^/]+/pg_data/base/",
    expect: refusedByPgbackrest("does not match expected checksum"),
  },
  // The WAL segments the backup needs, missing from the archive: the server cannot reach a consistent state.
  "pgbackrest-missing-wal": {
    action: "delete",
    path: "^repo/archive/drill/[^/]+/[0-9A-F]{16}/[0-9A-F]{24}-",
    expect: { refuses: "unable to find .* in the archive|could not locate required checkpoint record" },
  },
};

function pgbackrest(backups: ("full" | "incr")[], more: Record<string, CustomFaultConfig> = {}): ProcedureConfig {
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
      {
        name: "stanza-create",
        run: `printf '%s\\n' ${CONF.map((line) => `'${line}'`).join(" ")} > pgbackrest.conf && ${PGBACKREST} stanza-create`,
        user: "postgres",
        data: "read-only",
      },
      ...backups.map((type, i) => ({
        name: `backup-${type}`,
        // Writers keep committing between the backups: the incremental carries their changes.
        run: `${i > 0 ? "sleep 2 && " : ""}${PGBACKREST} backup --type=${type} --start-fast --archive-timeout=60`,
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
    customFaults: { ...faults, ...more },
  };
}

export default defineConfig({
  engines: {
    postgres: {
      procedures: {
        "pgbackrest-full": pgbackrest(["full"]),
        "pgbackrest-incr": pgbackrest(["full", "incr"], {
          // The full backup the incremental depends on, expired from the repository: pgBackRest must refuse.
          "pgbackrest-full-deleted": {
            action: "delete",
            path: "^repo/backup/drill/\\d{8}-\\d{6}F/",
            expect: refusedByPgbackrest("unable to open missing file"),
          },
        }),
      },
    },
  },
});
