// An FTS5 auxiliary function Fouille ranks with, written against SQLite's C
// API. The header names no SQLite type: GRDB's own SQLite module defines them
// for Swift, and two definitions of one C type do not mix.
#ifndef FOUILLE_CFTS5MATCH_H
#define FOUILLE_CFTS5MATCH_H

#ifdef __cplusplus
extern "C" {
#endif

/// Registers `matched_clauses(fts_table, map)` and `match_positions(fts_table)`
/// on the connection `db` (an `sqlite3 *`). Returns an SQLite result code.
///
/// `match_positions` returns where the row's phrase instances are, as text:
/// "column offset phrase" triples separated by ';', in FTS5's instance order
/// (column, then token offset), at most 256.
///
/// `map` is a text of comma-separated clause numbers, one per phrase of the
/// MATCH expression in order: `"0,1,1,2"` says phrases 1 and 2 belong to
/// clause 1 (an OR). The function returns how many distinct clauses have at
/// least one phrase present in the row: the number of query words a document
/// contains, which ranks before BM25.
int fouille_register_matched_clauses(void *db);

#ifdef __cplusplus
}
#endif

#endif
