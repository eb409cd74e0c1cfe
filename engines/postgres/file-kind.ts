/**
 * What kind of file a path of a PostgreSQL backup is, for the fault campaign's table. `relations` maps a data file's
 * path (`pg_relation_filepath`) to its relation's kind, as the source server listed them when the backup was taken.
 */
export function postgresFileKind(path: string, method: string, relations: Record<string, string>): string {
  if (method === "logical") return "dump";
  // A deleted directory: named after what it holds.
  if (path === "pg_wal" || path === "pg_xact" || path === "global" || /^base(\/\d+)?$/.test(path))
    return `directory ${path.replace(/\/\d+$/, "/<db>")}`;
  if (path.startsWith("pg_wal/")) return path.includes("/archive_status/") ? "WAL status" : "WAL";
  if (path.startsWith("pg_xact/")) return "pg_xact";
  if (path === "global/pg_control") return "control";
  if (path === "backup_label" || path === "backup_manifest") return path;
  const fork = /^((?:base\/\d+|global)\/\d+)(?:_(fsm|vm|init))?(?:\.\d+)?$/.exec(path);
  if (fork) {
    if (fork[2] === "fsm") return "free space map";
    if (fork[2] === "vm") return "visibility map";
    return relations[fork[1]!] ?? (path.startsWith("global/") ? "shared catalog" : "catalog");
  }
  if (/^(base\/\d+|global)\/pg_(filenode\.map|internal\.init)$/.test(path)) return "relation map";
  if (/^[^/]+\.conf$|^PG_VERSION$|\/PG_VERSION$/.test(path)) return "config";
  return `other (${path.split("/")[0]})`;
}

/** The kind of a relation as pg_class says: a user table's heap, a user index, TOAST, or a catalog. */
export const RELATION_KINDS_SQL = `
  SELECT pg_relation_filepath(c.oid) AS path,
         CASE WHEN n.nspname IN ('pg_catalog', 'information_schema') THEN 'catalog'
              WHEN n.nspname = 'pg_toast' THEN 'toast'
              WHEN c.relkind = 'i' THEN 'index'
              ELSE 'heap' END AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE pg_relation_filepath(c.oid) IS NOT NULL`;
