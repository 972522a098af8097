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

/// One phrase's postings, held in memory: the rows holding it (ascending
/// rowids), and for row i its instances `starts[i]` to `starts[i + 1]`, in
/// order. Rows' lengths are shared by every phrase (see
/// `fouille_rank_postings`).
typedef struct {
    const unsigned int *rowids;
    const int *starts;
    /// Each instance as one number, column << FOUILLE_POSTING_OFFSET_BITS |
    /// token offset: it sorts as FTS5 orders instances.
    const unsigned int *instances;
    /// Row i's instances in columns 0, 1, 2: entries 3i to 3i + 2, where
    /// FOUILLE_COUNT_SATURATED means that many or more (NULL when an
    /// instance is in another column).
    const unsigned char *column_counts;
    int count;
} FouillePostings;

enum { FOUILLE_POSTING_OFFSET_BITS = 30 };
enum { FOUILLE_POSTING_COLUMNS = 3, FOUILLE_COUNT_SATURATED = 255 };

/// Which rows a ranking takes: those holding every clause, any clause, or
/// any of the phrases repeated to restrict the rows (map entry -2).
enum { FOUILLE_MATCH_ALL = 0, FOUILLE_MATCH_ANY = 1, FOUILLE_MATCH_RESTRICTED = 2 };

/// What `tier_rank` and `match_positions` give the `keep` best rows of a
/// MATCH over the phrases `lists` (in the expression's order; `map`,
/// `clauses`, `soft` and the weights as for tier_rank), computed from
/// postings held in memory instead of FTS5's iterators. `rows` and `tokens`
/// are the index's totals, and `lengths[rowid]` each row's length in tokens
/// (`length_count` entries). Writes the rows best first into `out_rowids` and
/// `out_ranks` (`keep` entries each), and the positions of the rows from
/// `first_positioned` on (the page's) into `out_positions` (256 triples per
/// row) and `out_position_counts`, from their entry 0.
/// Returns 0, or nonzero when it cannot rank them (the caller asks FTS5).
int fouille_rank_postings(const FouillePostings *lists, int phrases, const char *map, int clauses, int soft,
                          int matching, const double *weights, int weight_count, long long rows, long long tokens,
                          const int *lengths, long long length_count, int keep, int first_positioned, int depth, long long *out_rowids, double *out_ranks,
                          int *out_position_counts,
                          int *out_positions, int *out_count);

#ifdef __cplusplus
}
#endif

#endif
