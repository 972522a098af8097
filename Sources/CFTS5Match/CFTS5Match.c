// match_positions(): see CFTS5Match.h.
#include "CFTS5Match.h"

#include <sqlite3.h>
#include <stddef.h>

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

int fouille_register_match_positions(void *db) {
    fts5_api *api = fts5_api_of((sqlite3 *)db);
    if (api == NULL) return SQLITE_ERROR;
    return api->xCreateFunction(api, "match_positions", NULL, match_positions, NULL);
}
