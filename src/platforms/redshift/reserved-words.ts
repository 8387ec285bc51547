/**
 * Words an identifier must be quoted to use: Redshift's reserved words (AWS, "Reserved words",
 * r_pg_keywords) and PostgreSQL's fully reserved ones, since the same names reach PostgreSQL-
 * speaking servers too. Quoting a word that did not need it is harmless; missing one is an error.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  `aes128 aes256 all allowoverwrite analyse analyze and any array as asc asymmetric authorization az64
  backup between binary blanksasnull both bytedict bzip2 case cast check collate column constraint
  create credentials cross current_catalog current_date current_role current_time current_timestamp
  current_user current_user_id default deferrable deflate defrag delta delta32k desc disable distinct
  do else emptyasnull enable encode encrypt encryption end except explicit false fetch for foreign
  freeze from full globaldict256 globaldict64k grant group gzip having identity ignore ilike in
  initially inner intersect interval into is isnull join lateral leading left like limit localtime
  localtimestamp lun luns lzo lzop minus mostly16 mostly32 mostly8 natural new not notnull null nulls
  off offline offset oid old on only open or order outer overlaps parallel partition percent
  permissions pivot placing primary raw readratio recover references rejectlog resort respect restore
  returning right select session_user similar snapshot some symmetric sysdate system system_user table
  tag tdes text255 text32k then timestamp to top trailing true truncatecolumns union unique unnest
  unpivot user using variadic verbose wallet when where window with without`.split(/\s+/),
);
