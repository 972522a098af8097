// FTS5 auxiliary functions Fouille ranks and cuts snippets with, written against SQLite's C
// API. The header names no SQLite type: GRDB's own SQLite module defines them
// for Swift, and two definitions of one C type do not mix.
#ifndef FOUILLE_CFTS5MATCH_H
#define FOUILLE_CFTS5MATCH_H

#ifdef __cplusplus
extern "C" {
#endif

/// Registers `match_positions(fts_table [, depth])` and
/// `tier_rank(fts_table, map, n, soft, keep, weights...)` on the connection
/// `db` (an `sqlite3 *`). Returns an SQLite result code.
///
/// `tier_rank` places a row in the tiers of Fouille's query plan, from which
/// of the query's clauses it contains (no tiers when `soft` is nonzero), and
/// adds its score, BM25 times a proximity factor (see the comment in
/// CFTS5Match.c): one number to sort every tier by, in one query. Given
/// `keep`, the rows the query returns, a row that cannot be among them is
/// given a bound that sorts after them instead of its exact rank, and its
/// `match_positions` is empty.
///
/// `match_positions(fts_table [, depth])` returns where the row's phrase
/// instances are (before token `depth`, when given), as a blob of native
/// `int` triples (column, token offset, phrase), in FTS5's instance order
/// (column, then token offset), at most 256. Snippets are cut from it
/// without FTS5 tokenizing whole columns again.
int fouille_register_functions(void *db);

#ifdef __cplusplus
}
#endif

#endif
