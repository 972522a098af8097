// match_positions(): see CFTS5Match.h.
#include "CFTS5Match.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>

/// match_positions(fts_table): where the row's phrase instances are, as text
/// "column offset phrase" triples separated by ';', in column then offset
/// order, at most MAX_POSITIONS of them. Offsets count tokens, as FTS5 does.
#define MAX_POSITIONS 256

static void match_positions(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                            int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    int count = 0;
    if (api->xInstCount(fts, &count) != SQLITE_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    if (count > MAX_POSITIONS) count = MAX_POSITIONS;
    sqlite3_str *out = sqlite3_str_new(NULL);
    for (int i = 0; i < count; i++) {
        int phrase = 0, column = 0, offset = 0;
        if (api->xInst(fts, i, &phrase, &column, &offset) != SQLITE_OK) break;
        sqlite3_str_appendf(out, i == 0 ? "%d %d %d" : ";%d %d %d", column, offset, phrase);
    }
    int length = sqlite3_str_length(out);
    char *text = sqlite3_str_finish(out);
    if (text == NULL) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    sqlite3_result_text(ctx, text, length, sqlite3_free);
}

/// tier_of(fts_table, map, clauses): the row's tier in Fouille's plan.
///
/// `map` gives the clause of each phrase ("0,1,1,2,-1": -1 for exclusions),
/// clauses numbered rarest first, `clauses` how many there are. The tiers, in
/// order: every clause; every clause but the last; … ; clause 0 alone; then
/// the same among rows without clause 0 starting from clause 1, and so on. A
/// row whose first present clause is j, followed by p present clauses in a
/// row, is in tier sum(n - i, i < j) + (n - j - p). Smaller is better.
#define MAX_CLAUSES 64

static void tier_of(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                    int argc, sqlite3_value **argv) {
    const char *map = argc > 1 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
    int n = argc > 1 ? sqlite3_value_int(argv[1]) : 0;
    if (n <= 0 || n > MAX_CLAUSES) n = MAX_CLAUSES;
    int present[MAX_CLAUSES] = {0};
    int phrases = api->xPhraseCount(fts);
    for (int p = 0; p < phrases; p++) {
        int clause = p;
        if (map) {
            char *end = NULL;
            long value = strtol(map, &end, 10);
            if (end != map) clause = (int)value;
            map = (*end == ',') ? end + 1 : end;
        }
        if (clause < 0 || clause >= n || present[clause]) continue;
        Fts5PhraseIter iter;
        int column = -1, offset = -1;
        if (api->xPhraseFirst(fts, p, &iter, &column, &offset) == SQLITE_OK && column >= 0) present[clause] = 1;
    }
    int j = 0;
    while (j < n && !present[j]) j++;
    int run = 0;
    while (j + run < n && present[j + run]) run++;
    long tier = 0;
    for (int i = 0; i < j; i++) tier += n - i;
    tier += n - j - run;
    sqlite3_result_int64(ctx, tier);
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
    return api->xCreateFunction(api, "tier_of", NULL, tier_of, NULL);
}
