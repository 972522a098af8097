// match_positions(): see CFTS5Match.h.
#include "CFTS5Match.h"

#include <sqlite3.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// match_positions(fts_table [, depth]): where the row's phrase instances are
/// (those before token `depth`, when given), as text
/// "column offset phrase" triples separated by ';', in column then offset
/// order, at most MAX_POSITIONS of them. Offsets count tokens, as FTS5 does.
#define MAX_POSITIONS 256

static void match_positions(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                            int argc, sqlite3_value **argv) {
    // An optional limit: instances at this token offset or later are left out.
    int depth = argc > 0 ? sqlite3_value_int(argv[0]) : 0;
    int count = 0;
    if (api->xInstCount(fts, &count) != SQLITE_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    if (count > MAX_POSITIONS) count = MAX_POSITIONS;
    sqlite3_str *out = sqlite3_str_new(NULL);
    int written = 0;
    for (int i = 0; i < count; i++) {
        int phrase = 0, column = 0, offset = 0;
        if (api->xInst(fts, i, &phrase, &column, &offset) != SQLITE_OK) break;
        if (depth > 0 && offset >= depth) continue;
        sqlite3_str_appendf(out, written++ == 0 ? "%d %d %d" : ";%d %d %d", column, offset, phrase);
    }
    int length = sqlite3_str_length(out);
    char *text = sqlite3_str_finish(out);
    if (text == NULL) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    sqlite3_result_text(ctx, text, length, sqlite3_free);
}

/// tier_rank(fts_table, map, clauses, weight...): the row's tier in Fouille's
/// plan and its BM25, in one number to sort by: tier * 1e6 + bm25, where bm25
/// is FTS5's own formula (k1 1.2, b 0.75, negative, lower is better) with the
/// column weights given. One pass over the row's phrase instances yields both:
/// FTS5's bm25() and a separate tier function would each walk them.
///
/// `map` gives the clause of each phrase ("0,1,1,2,-1": -1 for exclusions,
/// -2 for a phrase repeated only to restrict the rows, ignored here),
/// clauses numbered rarest first, `clauses` how many there are. The tiers, in
/// order: every clause; every clause but the last; … ; clause 0 alone; then
/// the same among rows without clause 0 starting from clause 1, and so on. A
/// row whose first present clause is j, followed by p present clauses in a
/// row, is in tier sum(n - i, i < j) + (n - j - p).
#define MAX_CLAUSES 64
#define MAX_PHRASES 64
#define MAX_COLUMNS 8

/// Per query: what BM25 needs of the whole index, computed once.
typedef struct {
    int phrases;
    double idf[MAX_PHRASES];
    double average_length;
} QueryStats;

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *context) {
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)context)++;
    return SQLITE_OK;
}

static QueryStats *query_stats(const Fts5ExtensionApi *api, Fts5Context *fts, int *rc) {
    QueryStats *stats = (QueryStats *)api->xGetAuxdata(fts, 0);
    if (stats) return stats;
    stats = sqlite3_malloc(sizeof(QueryStats));
    if (!stats) {
        *rc = SQLITE_NOMEM;
        return NULL;
    }
    memset(stats, 0, sizeof(QueryStats));
    sqlite3_int64 rows = 0, tokens = 0;
    *rc = api->xRowCount(fts, &rows);
    if (*rc == SQLITE_OK) *rc = api->xColumnTotalSize(fts, -1, &tokens);
    stats->average_length = rows > 0 ? (double)tokens / (double)rows : 1.0;
    if (stats->average_length <= 0) stats->average_length = 1.0;
    stats->phrases = api->xPhraseCount(fts);
    if (stats->phrases > MAX_PHRASES) stats->phrases = MAX_PHRASES;
    for (int i = 0; *rc == SQLITE_OK && i < stats->phrases; i++) {
        sqlite3_int64 containing = 0;
        *rc = api->xQueryPhrase(fts, i, (void *)&containing, count_row);
        double idf = log((rows - containing + 0.5) / (containing + 0.5));
        stats->idf[i] = idf <= 0.0 ? 1e-6 : idf;
    }
    if (*rc == SQLITE_OK) *rc = api->xSetAuxdata(fts, stats, sqlite3_free);
    if (*rc != SQLITE_OK) {
        sqlite3_free(stats);
        return NULL;
    }
    return stats;
}

static void tier_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                      int argc, sqlite3_value **argv) {
    int rc = SQLITE_OK;
    QueryStats *stats = query_stats(api, fts, &rc);
    if (!stats) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    const char *map = argc > 1 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
    int n = argc > 1 ? sqlite3_value_int(argv[1]) : 0;
    if (n <= 0 || n > MAX_CLAUSES) n = MAX_CLAUSES;
    double weights[MAX_COLUMNS];
    int columns = api->xColumnCount(fts);
    for (int c = 0; c < MAX_COLUMNS; c++) weights[c] = (c + 2 < argc) ? sqlite3_value_double(argv[c + 2]) : 1.0;

    int clause_of[MAX_PHRASES];
    for (int p = 0; p < stats->phrases; p++) {
        int clause = p;
        if (map) {
            char *end = NULL;
            long value = strtol(map, &end, 10);
            if (end != map) clause = (int)value;
            map = (*end == ',') ? end + 1 : end;
        }
        clause_of[p] = clause;
    }

    double frequency[MAX_PHRASES] = {0};
    int present[MAX_CLAUSES] = {0};
    int instances = 0;
    rc = api->xInstCount(fts, &instances);
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase = 0, column = 0, offset = 0;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc != SQLITE_OK || phrase >= stats->phrases) continue;
        int clause = clause_of[phrase];
        if (clause == -2) continue;  // a repeated phrase, there to restrict the rows: counted once
        frequency[phrase] += (column < MAX_COLUMNS) ? weights[column] : 1.0;
        if (clause >= 0 && clause < n) present[clause] = 1;
    }
    sqlite3_int64 length = 0;
    for (int c = 0; rc == SQLITE_OK && c < columns; c++) {
        int size = 0;
        rc = api->xColumnSize(fts, c, &size);
        length += size;
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    const double k1 = 1.2, b = 0.75;
    double score = 0.0;
    double norm = k1 * (1 - b + b * (double)length / stats->average_length);
    for (int p = 0; p < stats->phrases; p++) {
        if (frequency[p] > 0) score += stats->idf[p] * (frequency[p] * (k1 + 1)) / (frequency[p] + norm);
    }
    if (score > 999999.0) score = 999999.0;

    int j = 0;
    while (j < n && !present[j]) j++;
    int run = 0;
    while (j + run < n && present[j + run]) run++;
    long tier = 0;
    for (int i = 0; i < j; i++) tier += n - i;
    tier += n - j - run;
    sqlite3_result_double(ctx, (double)tier * 1e6 - score);
}

/// FTS5 hands out its API through `SELECT fts5(?)` with a bound pointer.
static fts5_api *fts5_api_of(sqlite3 *db) {
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return api;
}

int fouille_register_functions(void *db) {
    fts5_api *api = fts5_api_of((sqlite3 *)db);
    if (api == NULL) return SQLITE_ERROR;
    int rc = api->xCreateFunction(api, "match_positions", NULL, match_positions, NULL);
    if (rc != SQLITE_OK) return rc;
    return api->xCreateFunction(api, "tier_rank", NULL, tier_rank, NULL);
}
