import { digestColumns } from "../../protocols/pg/digest.ts";
import { GROUPS } from "./model.ts";

/**
 * The three SQL datasources, as far as the drill writes them. Modelled on the platform's own schemas:
 * - JCR: exoplatform/jcr, exo.jcr.component.core/src/main/resources/conf/storage/jcr-sjdbc.pgsql.sql (single-db
 *   container: JCR_SITEM items, JCR_SVALUE values with STORAGE_DESC naming the value storage when the value is a file);
 * - IDM: PicketLink IDM's Hibernate store as GateIn uses it (jbid_io identities of a type, jbid_io_rel memberships);
 * - JPA: social's SOC_ACTIVITIES / SOC_ACTIVITY_TEMPLATE_PARAMS entities (exoplatform/social, entity `Activity`,
 *   `@Table(name = "SOC_ACTIVITIES")`), commons' FILES_FILES of the file storage, the wallet add-on's accounts.
 * Simplified: poster ids are user names (eXo stores SOC_IDENTITIES ids), and a document carries a `sha256` property
 * of our own so the cross-part check has the content hash of its value file to compare.
 */
export type Datasource = "jcr" | "idm" | "jpa";
export const DATASOURCES: Datasource[] = ["jcr", "idm", "jpa"];
export const databaseOf = (ds: Datasource) => `exo_${ds}`;

export const ROOT_PARENT = "__root_parent";
export const ROOT_NODE = "00exo0jcr0root0uuid0000000000000";
export const WORKSPACE = "collaboration";

export const SCHEMA: Record<Datasource, string> = {
  jcr: `
CREATE TABLE jcr_sitem (
  id varchar(96) NOT NULL, parent_id varchar(96) NOT NULL, name varchar(512) NOT NULL, version integer NOT NULL,
  container_name varchar(96) NOT NULL, i_class integer NOT NULL, i_index integer NOT NULL, n_order_num integer,
  p_type integer, p_multivalued boolean,
  CONSTRAINT jcr_pk_sitem PRIMARY KEY (id), CONSTRAINT jcr_fk_sitem_parent FOREIGN KEY (parent_id) REFERENCES jcr_sitem (id));
CREATE UNIQUE INDEX jcr_idx_sitem_parent ON jcr_sitem (container_name, parent_id, name, i_index, i_class, version);
CREATE TABLE jcr_svalue (
  id bigserial NOT NULL, data bytea, order_num integer NOT NULL, property_id varchar(96) NOT NULL, storage_desc varchar(512),
  CONSTRAINT jcr_pk_svalue PRIMARY KEY (id), CONSTRAINT jcr_fk_svalue_property FOREIGN KEY (property_id) REFERENCES jcr_sitem (id));
CREATE UNIQUE INDEX jcr_idx_svalue_property ON jcr_svalue (property_id, order_num);
INSERT INTO jcr_sitem VALUES ('${ROOT_PARENT}', '${ROOT_PARENT}', '${ROOT_PARENT}', 0, '${WORKSPACE}', 1, 0, 0, NULL, NULL);
INSERT INTO jcr_sitem VALUES ('${ROOT_NODE}', '${ROOT_PARENT}', '[]:1', 0, '${WORKSPACE}', 1, 1, 0, NULL, NULL);`,
  idm: `
CREATE TABLE jbid_io_type (id bigint PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);
CREATE TABLE jbid_io (id bigint PRIMARY KEY, identity_type bigint NOT NULL REFERENCES jbid_io_type (id), name varchar(255) NOT NULL, realm varchar(255) NOT NULL, UNIQUE (name, identity_type));
CREATE TABLE jbid_io_rel (id bigint PRIMARY KEY, from_identity bigint NOT NULL REFERENCES jbid_io (id), to_identity bigint NOT NULL REFERENCES jbid_io (id), rel_type varchar(255) NOT NULL, name varchar(255));
INSERT INTO jbid_io_type VALUES (1, 'USER'), (2, 'GROUP');
INSERT INTO jbid_io SELECT -g, 2, '/spaces/space-' || (g - 1), 'idm_realm_portal' FROM generate_series(1, ${GROUPS}) g;`,
  jpa: `
CREATE TABLE soc_activities (activity_id bigint PRIMARY KEY, type varchar(255) NOT NULL, title text NOT NULL, poster_id varchar(255) NOT NULL, owner_id varchar(255) NOT NULL, posted bigint NOT NULL);
CREATE TABLE soc_activity_template_params (activity_id bigint NOT NULL REFERENCES soc_activities (activity_id), template_param_key varchar(255) NOT NULL, template_param_value text, PRIMARY KEY (activity_id, template_param_key));
CREATE TABLE files_files (file_id bigint PRIMARY KEY, name varchar(255) NOT NULL, mimetype varchar(255) NOT NULL, file_size bigint NOT NULL, checksum varchar(64) NOT NULL, deleted boolean NOT NULL);
CREATE TABLE addons_wallet_account (identity_id bigint PRIMARY KEY, user_name varchar(255) NOT NULL, address varchar(42) NOT NULL, private_key_content text NOT NULL);`,
};

/** The tables the canonical read covers, each with the expression that keys its rows (the static rows are left out). */
export const CANONICAL_TABLES: Record<Datasource, { table: string; key: string; where?: string }[]> = {
  jcr: [
    { table: "jcr_sitem", key: "t.id", where: `t.parent_id <> '${ROOT_PARENT}'` },
    { table: "jcr_svalue", key: "t.property_id || ':' || t.order_num" },
  ],
  idm: [
    { table: "jbid_io", key: "t.id", where: "t.identity_type = 1" },
    { table: "jbid_io_rel", key: "t.id" },
  ],
  jpa: [
    { table: "soc_activities", key: "t.activity_id" },
    { table: "soc_activity_template_params", key: "t.activity_id || ':' || t.template_param_key" },
    { table: "files_files", key: "t.file_id" },
    { table: "addons_wallet_account", key: "t.identity_id" },
  ],
};

/** Every row's record: `<datasource>/<table>/<key>`, the server's digest of the row's text, a preview. */
export function canonicalSql(ds: Datasource, t: { table: string; key: string; where?: string }): string {
  return `SELECT '${ds}/${t.table}/' || ${t.key} AS key, ${digestColumns()} FROM ${t.table} t${t.where ? ` WHERE ${t.where}` : ""}`;
}

/** `RETURNING` clause giving the same record as the canonical read, for the ledger. */
export function returning(ds: Datasource, table: string): string {
  const t = CANONICAL_TABLES[ds].find((x) => x.table === table);
  if (!t) throw new Error(`${table} is not a canonical table of ${ds}`);
  return `RETURNING '${ds}/${table}/' || ${t.key} AS key, ${digestColumns()}`;
}
