// match_positions(): see CFTS5Match.h.
#include "CFTS5Match.h"

#include <sqlite3.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct QueryStats QueryStats;

/// What tier_rank() tells match_positions() about the row both are called
/// for, one per connection (a connection runs one statement at a time, and
/// both functions get it as their user data): whether the row can still be
/// among the first `keep` rows. A row that cannot has no snippet to cut, and
/// its positions are left out: formatting them was a fifth of the cost of
/// ranking a candidate, for the many candidates of a long query.
///
/// It also remembers each document's length, in tokens, for BM25: FTS5
/// reads it from a table of its own for every row, a b-tree search that
/// was the largest single cost of ranking a candidate. Read-only
/// connections only (the daemon's readers): the lengths are forgotten
/// whenever SQLite's data version says the file changed.
typedef struct {
    Fts5Context *cursor;  // the ranking query's cursor, while it runs
    QueryStats *stats;
    sqlite3 *db;
    int lengths_valid;    // for the current query
    unsigned int data_version;
    unsigned int *lengths;  // by rowid: the length + 1, 0 when not known yet
    sqlite3_int64 capacity;
} RankingShared;

/// Rowids past this are not remembered (16 MB of lengths).
#define MAX_REMEMBERED_ROWID (4 * 1024 * 1024)

static void free_shared(void *pointer) {
    RankingShared *shared = (RankingShared *)pointer;
    sqlite3_free(shared->lengths);
    sqlite3_free(shared);
}

/// At the start of each ranking query: whether remembered lengths can be
/// used, forgetting them if the file changed since.
static void check_lengths(RankingShared *shared) {
    unsigned int version = 0;
    shared->lengths_valid = 0;
    if (!shared->db || sqlite3_db_readonly(shared->db, "main") != 1) return;
    if (sqlite3_file_control(shared->db, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) return;
    if (version != shared->data_version && shared->lengths)
        memset(shared->lengths, 0, sizeof(unsigned int) * (size_t)shared->capacity);
    shared->data_version = version;
    shared->lengths_valid = 1;
}

static int row_is_beaten(const Fts5ExtensionApi *api, Fts5Context *fts);

/// match_positions(fts_table [, depth]): where the row's phrase instances are
/// (those before token `depth`, when given), as a blob of native-endian
/// 32-bit integers, three per instance (column, offset, phrase), in column
/// then offset order, at most MAX_POSITIONS of them. Offsets count tokens,
/// as FTS5 does. (As text, "column offset phrase;…", most of the
/// function's time went to sqlite3_str_appendf, and Swift parsed it back.)
#define MAX_POSITIONS 256

static void match_positions(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                            int argc, sqlite3_value **argv) {
    // An optional limit: instances at this token offset or later are left out.
    int depth = argc > 0 ? sqlite3_value_int(argv[0]) : 0;
    if (row_is_beaten(api, fts)) {
        sqlite3_result_zeroblob(ctx, 0);
        return;
    }
    int count = 0;
    if (api->xInstCount(fts, &count) != SQLITE_OK) {
        sqlite3_result_null(ctx);
        return;
    }
    if (count > MAX_POSITIONS) count = MAX_POSITIONS;
    int out[3 * MAX_POSITIONS];
    int written = 0;
    for (int i = 0; i < count; i++) {
        int phrase = 0, column = 0, offset = 0;
        if (api->xInst(fts, i, &phrase, &column, &offset) != SQLITE_OK) break;
        if (depth > 0 && offset >= depth) continue;
        out[written++] = column;
        out[written++] = offset;
        out[written++] = phrase;
    }
    sqlite3_result_blob(ctx, out, (int)(sizeof(int) * (size_t)written), SQLITE_TRANSIENT);
}

/// tier_rank(fts_table, map, clauses, soft, keep, weight...): the row's place in
/// Fouille's plan, in one number to sort by (lower first): tier * 1e6 + typos * 1e4 - score
/// (typos: clauses the row holds only through typo corrections).
/// One function yields the tier and the score alike, from the row's phrase
/// instances: FTS5's bm25() and a separate tier function would each walk them.
///
/// `map` gives the clause of each phrase ("0:12,1:40,1~:3,2:97,-1": -1 for exclusions,
/// -2 for a phrase repeated only to restrict the rows, ignored here; "~"
/// after a typo correction's phrase, whose matches weigh CORRECTION_WEIGHT
/// and which puts a row holding its clause through corrections only below
/// the rows of its tier holding it as typed; after ":" the number of
/// documents holding the phrase, for its IDF, else counted here),
/// clauses numbered rarest first, `clauses` how many there are. The tiers, in
/// order: every clause; every clause but the last; … ; clause 0 alone; then
/// the same among rows without clause 0 starting from clause 1, and so on. A
/// row whose first present clause is j, followed by p present clauses in a
/// row, is in tier sum(n - i, i < j) + (n - j - p). With `soft` nonzero there
/// are no tiers (every row is in tier 0): long queries are ranked by the
/// score alone, since a document lacking one of many words is often the one
/// wanted (see docs/RELEVANCE.md). `keep`: the rows the query returns
/// (offset + limit), for match_positions() (see RankingShared); 0 for all.
///
/// The score is BM25 (k1 1.2, b 0.9: FTS5's formula, with a stronger length
/// normalisation) with the column weights given, times a proximity factor:
/// documents where the query's words stand together, as a description's
/// words do in the page it describes, rank above documents that merely
/// contain them scattered. Both parts of the factor range from 1 to their
/// maximum; see proximity_factor().
#define MAX_CLAUSES 64
#define CORRECTION_WEIGHT 0.5
#define MAX_PHRASES 64
#define MAX_COLUMNS 8

/// Per query: what the ranking needs of the query and of the whole index,
/// worked out on the query's first row and kept for the others (FTS5 hands
/// each query's auxiliary functions their own auxdata).
struct QueryStats {
    int phrases;
    double idf[MAX_PHRASES];
    double average_length;
    /// The map, read once: each phrase's clause and whether it is a correction.
    int clause_of[MAX_PHRASES];
    int corrected[MAX_PHRASES];
    double weights[MAX_COLUMNS];
    RankingShared *shared;
    /// Counting common phrases can wait (see DEFERRED_IDF): rows are
    /// being pruned, and an instance in any column counts.
    int may_defer;
    /// The `keep` lowest ranks so far, a max-heap (`best[0]` the highest of
    /// them), and whether the last row ranked (`last_rowid`) is among them.
    int keep, kept;
    double *best;
    sqlite3_int64 last_rowid;
    int last_kept;
};

/// Past this many rows wanted (a deep page), every row keeps its positions.
#define MAX_KEEP 10000

static void free_stats(void *pointer) {
    QueryStats *stats = (QueryStats *)pointer;
    if (stats->shared && stats->shared->stats == stats) {
        stats->shared->cursor = NULL;
        stats->shared->stats = NULL;
    }
    sqlite3_free(stats->best);
    sqlite3_free(stats);
}

/// Records `rank` of the current row; returns whether it is among the
/// `keep` lowest so far. A row among the `keep` first of the whole query is
/// among them when it comes, since fewer rows were there to beat it.
static int keep_rank(QueryStats *stats, double rank) {
    if (!stats->best) return 1;
    double *heap = stats->best;
    if (stats->kept < stats->keep) {
        int i = stats->kept++;
        heap[i] = rank;
        while (i > 0 && heap[(i - 1) / 2] < heap[i]) {
            double swap = heap[i];
            heap[i] = heap[(i - 1) / 2];
            heap[(i - 1) / 2] = swap;
            i = (i - 1) / 2;
        }
        return 1;
    }
    // Equal ranks are ordered by rowid, which only grows: a tie is beaten.
    if (rank >= heap[0]) return 0;
    heap[0] = rank;
    for (int i = 0;;) {
        int largest = i, left = 2 * i + 1, right = left + 1;
        if (left < stats->kept && heap[left] > heap[largest]) largest = left;
        if (right < stats->kept && heap[right] > heap[largest]) largest = right;
        if (largest == i) break;
        double swap = heap[i];
        heap[i] = heap[largest];
        heap[largest] = swap;
        i = largest;
    }
    return 1;
}

static int row_is_beaten(const Fts5ExtensionApi *api, Fts5Context *fts) {
    RankingShared *shared = (RankingShared *)api->xUserData(fts);
    if (!shared || shared->cursor != fts || !shared->stats) return 0;
    return !shared->stats->last_kept && shared->stats->last_rowid == api->xRowid(fts);
}

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *context) {
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)context)++;
    return SQLITE_OK;
}

/// Reads `map` (see tier_rank()) into `stats`; `documents[p]` is the count
/// after phrase p's ':', or -1 when the map gives none.
static void read_map(const char *map, QueryStats *stats, sqlite3_int64 *documents) {
    for (int p = 0; p < stats->phrases; p++) {
        int clause = p;
        sqlite3_int64 count = -1;
        if (map && *map) {
            char *end = NULL;
            long value = strtol(map, &end, 10);
            if (end != map) clause = (int)value;
            if (*end == '~') {
                stats->corrected[p] = 1;
                end++;
            }
            if (*end == ':') {
                char *digits = end + 1;
                long long documents_given = strtoll(digits, &end, 10);
                if (end != digits && documents_given >= 0) count = documents_given;
            }
            map = (*end == ',') ? end + 1 : end;
        }
        stats->clause_of[p] = clause;
        documents[p] = count;
    }
}

/// BM25's inverse document frequency of a phrase in `containing` of `rows`
/// documents, kept above zero so that a very common word still counts a little.
static double idf_of(sqlite3_int64 rows, sqlite3_int64 containing) {
    double idf = log((rows - containing + 0.5) / (containing + 0.5));
    return idf <= 0.0 ? 1e-6 : idf;
}

/// The index's average document length in tokens (1 when it has none).
static double average_length_of(sqlite3_int64 rows, sqlite3_int64 tokens) {
    double average = rows > 0 ? (double)tokens / (double)rows : 1.0;
    return average <= 0 ? 1.0 : average;
}

static QueryStats *query_stats(const Fts5ExtensionApi *api, Fts5Context *fts, int argc, sqlite3_value **argv,
                               int *rc) {
    QueryStats *stats = (QueryStats *)api->xGetAuxdata(fts, 0);
    if (stats) return stats;
    stats = sqlite3_malloc(sizeof(QueryStats));
    if (!stats) {
        *rc = SQLITE_NOMEM;
        return NULL;
    }
    memset(stats, 0, sizeof(QueryStats));
    stats->last_rowid = -1;
    stats->last_kept = 1;
    int keep = argc > 3 ? sqlite3_value_int(argv[3]) : 0;
    if (keep > 0 && keep <= MAX_KEEP) {
        stats->best = sqlite3_malloc((int)sizeof(double) * keep);
        if (stats->best) stats->keep = keep;
    }
    sqlite3_int64 rows = 0, tokens = 0;
    *rc = api->xRowCount(fts, &rows);
    if (*rc == SQLITE_OK) *rc = api->xColumnTotalSize(fts, -1, &tokens);
    stats->average_length = average_length_of(rows, tokens);
    stats->phrases = api->xPhraseCount(fts);
    if (stats->phrases > MAX_PHRASES) stats->phrases = MAX_PHRASES;
    for (int c = 0; c < MAX_COLUMNS; c++) stats->weights[c] = (c + 4 < argc) ? sqlite3_value_double(argv[c + 4]) : 1.0;
    sqlite3_int64 documents[MAX_PHRASES];
    read_map(argc > 3 ? (const char *)sqlite3_value_text(argv[0]) : NULL, stats, documents);
    for (int i = 0; *rc == SQLITE_OK && i < stats->phrases; i++) {
        // A count the caller did not give: a whole pass over the phrase's
        // documents, which is why the caller gives them (it has them anyway).
        sqlite3_int64 containing = documents[i];
        if (containing < 0) {
            containing = 0;
            *rc = api->xQueryPhrase(fts, i, (void *)&containing, count_row);
        }
        stats->idf[i] = idf_of(rows, containing);
    }
    stats->may_defer = stats->best != NULL;
    for (int c = 0; c < MAX_COLUMNS; c++)
        if (!(stats->weights[c] > 0.0)) stats->may_defer = 0;
    if (*rc != SQLITE_OK) {
        free_stats(stats);
        return NULL;
    }
    // On failure SQLite has already freed it, with free_stats().
    *rc = api->xSetAuxdata(fts, stats, free_stats);
    if (*rc != SQLITE_OK) return NULL;
    RankingShared *shared = (RankingShared *)api->xUserData(fts);
    if (shared) {
        shared->cursor = fts;
        shared->stats = stats;
        stats->shared = shared;
        check_lengths(shared);
    }
    return stats;
}

/// BM25's term-frequency saturation and length normalisation. b is above
/// FTS5's 0.75: long documents contain many query words by chance, and
/// matched the queries of the development set too often (0.75 → 0.9:
/// MRR@10 0.555 → 0.569 before proximity, 0.612 → 0.621 with it; see
/// docs/RELEVANCE.md).
#define BM25_K1 1.2
#define BM25_B 0.9

/// Proximity, from the positions FTS5 already hands over:
/// - the window: the most distinct clauses found within SPAN_TOKENS
///   consecutive indexed tokens of one column. Its share, (clauses in the
///   best window - 1) / (clauses - 1), weighs SPAN_WEIGHT;
/// - adjacency: distinct pairs of clauses found side by side (consecutive
///   indexed tokens; stop words are not indexed, so "horloge du noyau" is
///   adjacent), as a share of clauses - 1, weighs ADJACENT_WEIGHT.
/// The factor is (1 + SPAN_WEIGHT * window share) * (1 + ADJACENT_WEIGHT *
/// adjacency share): at most 3, for a row whose clauses all stand together.
#define SPAN_TOKENS 16
#define SPAN_WEIGHT 1.0
#define ADJACENT_WEIGHT 0.5
/// Instances the window remembers; past this the oldest ones leave early.
#define WINDOW_CAPACITY 256

static double proximity_factor(int clauses, int best_window, int adjacent_pairs) {
    if (clauses < 2) return 1.0;
    double window = best_window > 1 ? (double)(best_window - 1) / (clauses - 1) : 0.0;
    double adjacency = adjacent_pairs >= clauses - 1 ? 1.0 : (double)adjacent_pairs / (clauses - 1);
    return (1.0 + SPAN_WEIGHT * window) * (1.0 + ADJACENT_WEIGHT * adjacency);
}

/// Gives the current row `rank`, telling match_positions() whether the row
/// is `kept` among the best so far.
static void result_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, QueryStats *stats,
                        double rank, int kept) {
    stats->last_rowid = api->xRowid(fts);
    stats->last_kept = kept;
    sqlite3_result_double(ctx, rank);
}

/// The row's length in tokens, all columns, remembered when `shared` allows.
static int row_length(const Fts5ExtensionApi *api, Fts5Context *fts, RankingShared *shared, sqlite3_int64 *length) {
    sqlite3_int64 rowid = api->xRowid(fts);
    int remember = shared && shared->lengths_valid && rowid >= 0 && rowid < MAX_REMEMBERED_ROWID;
    if (remember && rowid >= shared->capacity) {
        sqlite3_int64 capacity = shared->capacity ? shared->capacity : 1024;
        while (capacity <= rowid) capacity *= 2;
        if (capacity > MAX_REMEMBERED_ROWID) capacity = MAX_REMEMBERED_ROWID;
        unsigned int *grown = sqlite3_realloc64(shared->lengths, sizeof(unsigned int) * (sqlite3_uint64)capacity);
        if (grown) {
            memset(grown + shared->capacity, 0, sizeof(unsigned int) * (size_t)(capacity - shared->capacity));
            shared->lengths = grown;
            shared->capacity = capacity;
        } else {
            remember = 0;
        }
    }
    if (remember && shared->lengths[rowid]) {
        *length = shared->lengths[rowid] - 1;
        return SQLITE_OK;
    }
    int rc = SQLITE_OK;
    *length = 0;
    int columns = api->xColumnCount(fts);
    for (int c = 0; rc == SQLITE_OK && c < columns; c++) {
        int size = 0;
        rc = api->xColumnSize(fts, c, &size);
        *length += size;
    }
    if (rc == SQLITE_OK && remember && *length < 0xFFFFFFFELL) shared->lengths[rowid] = (unsigned int)*length + 1;
    return rc;
}

/// Phrases of lower IDF (in more than about 38% of the documents) have
/// their instances counted only for rows that may reach the page.
#define DEFERRED_IDF 0.5

/// What one instance of phrase `p` in `column` adds to its frequency: the
/// column's weight, halved for a typo correction.
static double instance_weight(const QueryStats *stats, int p, int column) {
    return ((column >= 0 && column < MAX_COLUMNS) ? stats->weights[column] : 1.0)
         * (stats->corrected[p] ? CORRECTION_WEIGHT : 1.0);
}

/// Phrase `p`'s weighted instance count in the row, from its first
/// instance (in `column`) on.
static double phrase_frequency(const Fts5ExtensionApi *api, Fts5Context *fts, const QueryStats *stats, int p,
                               Fts5PhraseIter *iterator, int column) {
    double frequency = 0.0;
    int offset = 0;
    for (; column >= 0; api->xPhraseNext(fts, iterator, &column, &offset)) frequency += instance_weight(stats, p, column);
    return frequency;
}

/// Phrase `p`'s share of BM25 at this weighted frequency.
static double bm25_share(const QueryStats *stats, int p, double frequency, double norm) {
    return frequency > 0 ? stats->idf[p] * (frequency * (BM25_K1 + 1)) / (frequency + norm) : 0.0;
}

/// The most proximity_factor() gives a row holding `present` of the
/// query's `clauses` clauses: its best window holds at most `present`, and
/// at most every pair of them stands side by side somewhere.
static double maximum_proximity(int clauses, int present) {
    if (present < 1) present = 1;
    return proximity_factor(clauses, present, present * (present - 1) / 2);
}

/// The sort number of a row of `tier` with `typos` and `score` (see tier_rank()).
static double rank_of(int soft, long tier, int typos, double score) {
    if (soft) return -(score > 999999.0 ? 999999.0 : score);
    return (double)tier * 1e6 + typos * 1e4 - (score > 9999.0 ? 9999.0 : score);
}

/// The window and adjacency counts of proximity_factor(), gathered in one
/// walk over a row's instances in FTS5's instance order (column, offset,
/// then phrase): fed one instance at a time by walk_add(), whether they come
/// from FTS5 (tier_rank()) or from postings held in memory (fouille_rank_postings()).
typedef struct {
    unsigned long long adjacent[MAX_CLAUSES];  // bit k of adjacent[c]: clauses c and k side by side
    int previous_clause, previous_column, previous_offset;
    int window_clause[WINDOW_CAPACITY], window_column[WINDOW_CAPACITY], window_offset[WINDOW_CAPACITY];
    int window_start, window_end;  // the window's instances, in a ring
    int in_window[MAX_CLAUSES];    // instances of each clause in it
    int window_clauses, best_window;
    int pairs;                     // clause pairs side by side somewhere
} ProximityWalk;

static void walk_start(ProximityWalk *walk) {
    memset(walk->adjacent, 0, sizeof(walk->adjacent));
    memset(walk->in_window, 0, sizeof(walk->in_window));
    walk->previous_clause = -1;
    walk->previous_column = -1;
    walk->previous_offset = 0;
    walk->window_start = walk->window_end = 0;
    walk->window_clauses = walk->best_window = 0;
    walk->pairs = 0;
}

/// The next instance, of a clause in [0, n).
static void walk_add(ProximityWalk *walk, int clause, int column, int offset) {
    if (walk->previous_clause >= 0 && walk->previous_clause != clause && column == walk->previous_column
        && offset - walk->previous_offset <= 1 && !(walk->adjacent[clause] & (1ULL << (walk->previous_clause & 63)))) {
        walk->adjacent[clause] |= 1ULL << (walk->previous_clause & 63);
        walk->adjacent[walk->previous_clause] |= 1ULL << (clause & 63);
        walk->pairs++;
    }
    walk->previous_clause = clause;
    walk->previous_column = column;
    walk->previous_offset = offset;

    while (walk->window_start < walk->window_end) {
        int oldest = walk->window_start % WINDOW_CAPACITY;
        if (walk->window_end - walk->window_start < WINDOW_CAPACITY && walk->window_column[oldest] == column
            && offset - walk->window_offset[oldest] < SPAN_TOKENS)
            break;
        if (--walk->in_window[walk->window_clause[oldest]] == 0) walk->window_clauses--;
        walk->window_start++;
    }
    int slot = walk->window_end++ % WINDOW_CAPACITY;
    walk->window_clause[slot] = clause;
    walk->window_column[slot] = column;
    walk->window_offset[slot] = offset;
    if (walk->in_window[clause]++ == 0 && ++walk->window_clauses > walk->best_window)
        walk->best_window = walk->window_clauses;
}

static double walk_factor(const ProximityWalk *walk, int n) {
    int adjacent_pairs = 0;
    for (int c = 0; c < n; c++) adjacent_pairs += __builtin_popcountll(walk->adjacent[c]);
    return proximity_factor(n, walk->best_window, adjacent_pairs / 2);
}

/// proximity_factor() of the current row, over FTS5's instances.
static int proximity(const Fts5ExtensionApi *api, Fts5Context *fts, const QueryStats *stats, int n, double *factor) {
    ProximityWalk walk;
    walk_start(&walk);
    int instances = 0;
    int rc = api->xInstCount(fts, &instances);
    for (int i = 0; rc == SQLITE_OK && i < instances; i++) {
        int phrase = 0, column = 0, offset = 0;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc != SQLITE_OK || phrase >= stats->phrases) continue;
        int clause = stats->clause_of[phrase];
        if (clause < 0 || clause >= n) continue;  // exclusions, and phrases repeated to restrict the rows
        walk_add(&walk, clause, column, offset);
    }
    *factor = walk_factor(&walk, n);
    return rc;
}

/// The tier of a row holding the clauses `present` (see tier_rank()), and
/// its typos: clauses it holds only through corrections.
static void tier_of(unsigned long long present, unsigned long long present_as_typed, int n, long *tier, int *typos) {
    if (n < 64) {
        present &= (1ULL << n) - 1;
        present_as_typed &= (1ULL << n) - 1;
    }
    int j = present ? __builtin_ctzll(present) : n;
    int run = 0;
    if (present) {
        unsigned long long rest = ~(present >> j);
        run = rest ? __builtin_ctzll(rest) : 64 - j;
        if (run > n - j) run = n - j;
    }
    *tier = 0;
    for (int i = 0; i < j; i++) *tier += n - i;
    *tier += n - j - run;
    *typos = __builtin_popcountll(present & ~present_as_typed);
}

static void tier_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                      int argc, sqlite3_value **argv) {
    int rc = SQLITE_OK;
    QueryStats *stats = query_stats(api, fts, argc, argv, &rc);
    if (!stats) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    int n = argc > 3 ? sqlite3_value_int(argv[1]) : 0;
    int soft = argc > 3 ? sqlite3_value_int(argv[2]) : 0;
    if (n <= 0 || n > MAX_CLAUSES) n = MAX_CLAUSES;
    const int *clause_of = stats->clause_of;
    const int *corrected = stats->corrected;
    const double *weights = stats->weights;

    // First what every row needs, phrase by phrase: which clauses it holds
    // (its tier and typos) and its BM25. Counting a phrase's instances costs
    // as many steps as it has; the words with the most instances are the
    // common ones, whose IDF adds little. Their counts wait until the row
    // may reach the page, their share of BM25 bounded meanwhile by the most
    // it can be, IDF * (k1 + 1).
    double frequency[MAX_PHRASES] = {0};
    int deferred[MAX_PHRASES] = {0};
    double deferred_bound = 0.0;
    unsigned long long present = 0, present_as_typed = 0;
    for (int p = 0; rc == SQLITE_OK && p < stats->phrases; p++) {
        int clause = clause_of[p];
        if (clause == -2) continue;  // a repeated phrase, there to restrict the rows: counted once
        Fts5PhraseIter iterator;
        int column = 0, offset = 0;
        rc = api->xPhraseFirst(fts, p, &iterator, &column, &offset);
        if (rc != SQLITE_OK || column < 0) continue;
        if (clause >= 0 && clause < n) {
            present |= 1ULL << clause;
            if (!corrected[p]) present_as_typed |= 1ULL << clause;
        }
        if (stats->may_defer && stats->idf[p] < DEFERRED_IDF) {
            deferred[p] = 1;
            deferred_bound += stats->idf[p] * (BM25_K1 + 1);
            continue;
        }
        frequency[p] = phrase_frequency(api, fts, stats, p, &iterator, column);
    }
    sqlite3_int64 length = 0;
    if (rc == SQLITE_OK) rc = row_length(api, fts, stats->shared, &length);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double score = 0.0;
    double norm = BM25_K1 * (1 - BM25_B + BM25_B * (double)length / stats->average_length);
    for (int p = 0; p < stats->phrases; p++) score += bm25_share(stats, p, frequency[p], norm);
    long tier = 0;
    int typos = 0;
    if (!soft) tier_of(present, present_as_typed, n, &tier, &typos);

    // Proximity walks every instance in order, the costly part: a row that
    // cannot reach the page even with the most proximity gives is left at
    // that best case, which sorts after the page all the same.
    int clauses_present = __builtin_popcountll(present);
    double best_case = rank_of(soft, tier, typos, (score + deferred_bound) * maximum_proximity(n, clauses_present));
    if (stats->best && stats->kept == stats->keep && best_case >= stats->best[0]) {
        result_rank(api, fts, ctx, stats, best_case, 0);
        return;
    }
    if (deferred_bound > 0.0) {
        for (int p = 0; rc == SQLITE_OK && p < stats->phrases; p++) {
            if (!deferred[p]) continue;
            Fts5PhraseIter iterator;
            int column = 0, offset = 0;
            rc = api->xPhraseFirst(fts, p, &iterator, &column, &offset);
            if (rc == SQLITE_OK) frequency[p] = phrase_frequency(api, fts, stats, p, &iterator, column);
        }
        // Summed again in phrase order: the same score to the last bit.
        score = 0.0;
        for (int p = 0; p < stats->phrases; p++) score += bm25_share(stats, p, frequency[p], norm);
    }
    double factor = 1.0;
    if (rc == SQLITE_OK) rc = proximity(api, fts, stats, n, &factor);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double rank = rank_of(soft, tier, typos, score * factor);
    result_rank(api, fts, ctx, stats, rank, keep_rank(stats, rank));
}

/// phrase_instances(fts_table): the row's length in tokens, then every
/// instance of the query's first phrase in the row, as a blob of native
/// ints: the length, then pairs (column, offset) in FTS5's order. What the
/// postings held in memory are read from.
static void phrase_instances(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                             int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    int local[256];
    int *out = local;
    int capacity = 256, written = 1;
    Fts5PhraseIter iterator;
    int column = 0, offset = 0;
    // Lengths are remembered per connection, as for tier_rank(): FTS5 reads
    // each from a table of its own. Checked once per query.
    RankingShared *shared = (RankingShared *)api->xUserData(fts);
    if (shared && !api->xGetAuxdata(fts, 0)) {
        check_lengths(shared);
        api->xSetAuxdata(fts, shared, NULL);
    }
    sqlite3_int64 length = 0;
    int rc = row_length(api, fts, shared, &length);
    out[0] = length > 0x7FFFFFFF ? 0x7FFFFFFF : (int)length;
    if (rc == SQLITE_OK) rc = api->xPhraseCount(fts) > 0 ? api->xPhraseFirst(fts, 0, &iterator, &column, &offset) : SQLITE_ERROR;
    for (; rc == SQLITE_OK && column >= 0; api->xPhraseNext(fts, &iterator, &column, &offset)) {
        if (written + 2 > capacity) {
            int *grown = sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)capacity * 2);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            memcpy(grown, out, sizeof(int) * (size_t)written);
            if (out != local) sqlite3_free(out);
            out = grown;
            capacity *= 2;
        }
        out[written++] = column;
        out[written++] = offset;
    }
    if (rc == SQLITE_OK) {
        sqlite3_result_blob(ctx, out, (int)(sizeof(int) * (size_t)written), SQLITE_TRANSIENT);
    } else {
        sqlite3_result_error_code(ctx, rc);
    }
    if (out != local) sqlite3_free(out);
}

/// index_totals(fts_table): the rows and tokens of the whole index, what
/// BM25 takes the average length from, as a blob of two native 64-bit ints.
static void index_totals(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                         int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_int64 totals[2] = {0, 0};
    int rc = api->xRowCount(fts, &totals[0]);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &totals[1]);
    if (rc == SQLITE_OK) {
        sqlite3_result_blob(ctx, totals, (int)sizeof(totals), SQLITE_TRANSIENT);
    } else {
        sqlite3_result_error_code(ctx, rc);
    }
}

// MARK: - Ranking postings held in memory

/// The first index at or after `from` whose rowid is at least `rowid`, by galloping.
static int seek(const FouillePostings *list, int from, long long rowid) {
    if (from >= list->count || list->rowids[from] >= rowid) return from;
    int step = 1, low = from, high = from + 1;
    while (high < list->count && list->rowids[high] < rowid) {
        low = high;
        step *= 2;
        high = from + step;
    }
    if (high > list->count) high = list->count;
    // rowids[low] < rowid; the answer is in (low, high].
    while (low + 1 < high) {
        int middle = low + (high - low) / 2;
        if (list->rowids[middle] < rowid) low = middle; else high = middle;
    }
    return high;
}

/// Index `i` of `list` if it holds `rowid`, else -1.
static int entry_at(const FouillePostings *list, int i, long long rowid) {
    return i < list->count && list->rowids[i] == rowid ? i : -1;
}

/// The entries for `rowid` of the phrases `which` (`count` of them, in
/// phrase order) in `at`, -1 where a phrase lacks the row: copied from
/// phrase `same[p]` when that is not -1 (the same postings; its entry is
/// known first), else sought from `from[p]` (NULL: from the start),
/// leaving there, when given, where the seek ended.
static void entries_of(const FouillePostings *lists, const int *which, int count, const int *same, long long rowid,
                       int *from, int *at) {
    for (int w = 0; w < count; w++) {
        int p = which[w];
        if (same[p] >= 0) {
            at[p] = at[same[p]];
            continue;
        }
        int i = seek(&lists[p], from ? from[p] : 0, rowid);
        if (from) from[p] = i;
        at[p] = entry_at(&lists[p], i, rowid);
    }
}

/// Calls `each(phrase, column, offset)` for the row's instances in FTS5's
/// order: column and offset, ties to the lower phrase (as xInst() gives
/// them). `at[p]`: the row's entry in phrase p's postings, or -1.
typedef int (*InstanceVisitor)(void *context, int phrase, int column, int offset);

static int column_of(unsigned int instance) { return (int)(instance >> FOUILLE_POSTING_OFFSET_BITS); }
static int offset_of(unsigned int instance) { return (int)(instance & ((1u << FOUILLE_POSTING_OFFSET_BITS) - 1)); }

/// `only`: when not NULL, the phrases to visit (only[p] nonzero); the
/// others are left out without changing the order of the rest.
/// Always inlined: with the visitor a constant, the compiler inlines it too,
/// instead of calling it through a pointer for every instance.
static inline __attribute__((always_inline)) void each_instance(const FouillePostings *lists, int phrases,
                                                                const int *at, const int *only, void *context,
                                                                InstanceVisitor each) {
    int active[MAX_PHRASES], next[MAX_PHRASES], end[MAX_PHRASES];
    unsigned int head[MAX_PHRASES];
    int count = 0;
    for (int p = 0; p < phrases; p++) {
        if (at[p] < 0 || (only && !only[p])) continue;
        next[p] = lists[p].starts[at[p]];
        end[p] = lists[p].starts[at[p] + 1];
        if (next[p] >= end[p]) continue;
        head[p] = lists[p].instances[next[p]];
        active[count++] = p;
    }
    while (count > 0) {
        // `active` stays in phrase order, so the first of equal heads is the lower phrase.
        int best = 0;
        for (int a = 1; a < count; a++)
            if (head[active[a]] < head[active[best]]) best = a;
        int p = active[best];
        int i = next[p]++;
        if (!each(context, p, column_of(lists[p].instances[i]), offset_of(lists[p].instances[i]))) return;
        if (next[p] < end[p]) {
            head[p] = lists[p].instances[next[p]];
        } else {
            for (int a = best; a + 1 < count; a++) active[a] = active[a + 1];
            count--;
        }
    }
}

typedef struct {
    ProximityWalk walk;
    const int *clause_of;
    int n;
    /// The window and the pairs past which proximity_factor() cannot grow
    /// for the row: its clauses all in one window, and every pair it counts.
    int most_window, most_pairs;
} WalkVisit;

/// Stops the walk once the factor is the most the row's clauses allow: the
/// rest of its instances cannot change it.
static int visit_walk(void *context, int phrase, int column, int offset) {
    WalkVisit *visit = (WalkVisit *)context;
    int clause = visit->clause_of[phrase];
    if (clause >= 0 && clause < visit->n) walk_add(&visit->walk, clause, column, offset);
    return visit->walk.best_window < visit->most_window || visit->walk.pairs < visit->most_pairs;
}

typedef struct {
    int *out;
    int count, seen, depth;
} PositionVisit;

static int visit_position(void *context, int phrase, int column, int offset) {
    PositionVisit *visit = (PositionVisit *)context;
    if (visit->seen++ >= MAX_POSITIONS) return 0;
    // Instances come by column, then offset: past the depth in the last
    // column, every one left is too.
    if (visit->depth > 0 && offset >= visit->depth) return column != FOUILLE_POSTING_COLUMNS - 1;
    visit->out[3 * visit->count] = column;
    visit->out[3 * visit->count + 1] = offset;
    visit->out[3 * visit->count + 2] = phrase;
    visit->count++;
    return 1;
}

/// Whether (rank, rowid) sorts before (other_rank, other_rowid).
static int ranks_before(double rank, long long rowid, double other_rank, long long other_rowid) {
    return rank < other_rank || (rank == other_rank && rowid < other_rowid);
}

/// A row to rank: what it holds decides its tier and BM25; proximity waits.
typedef struct {
    long long rowid;
    double score;
    /// Its rank with the most proximity its clauses could give: no better
    /// than this.
    double best_case;
    long tier;
    int typos;
    /// Clauses it holds, and where its phrases' entries are kept.
    int clauses_present, slot;
} Candidate;

/// Moves `heap[i]` down a min-heap of `count` candidates ordered by best
/// case (then rowid) until no child sorts before it.
static void sift_down(Candidate *heap, int count, int i) {
    Candidate moving = heap[i];
    for (;;) {
        int child = 2 * i + 1;
        if (child >= count) break;
        if (child + 1 < count &&
            ranks_before(heap[child + 1].best_case, heap[child + 1].rowid, heap[child].best_case, heap[child].rowid))
            child++;
        if (!ranks_before(heap[child].best_case, heap[child].rowid, moving.best_case, moving.rowid)) break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = moving;
}

/// Keeps the `keep` best (rank, rowid) seen, in a max-heap: entry 0 the worst.
static void keep_best(double *ranks, long long *rowids, int *kept, int keep, double rank, long long rowid) {
    int i;
    if (*kept < keep) {
        // A new entry, sifted up.
        i = (*kept)++;
        while (i > 0 && ranks_before(ranks[(i - 1) / 2], rowids[(i - 1) / 2], rank, rowid)) {
            ranks[i] = ranks[(i - 1) / 2];
            rowids[i] = rowids[(i - 1) / 2];
            i = (i - 1) / 2;
        }
    } else if (ranks_before(rank, rowid, ranks[0], rowids[0])) {
        // In place of the worst, sifted down below any child worse than it.
        i = 0;
        for (;;) {
            int left = 2 * i + 1, right = left + 1;
            int worst = left;
            if (right < *kept && ranks_before(ranks[left], rowids[left], ranks[right], rowids[right])) worst = right;
            if (left >= *kept || !ranks_before(rank, rowid, ranks[worst], rowids[worst])) break;
            ranks[i] = ranks[worst];
            rowids[i] = rowids[worst];
            i = worst;
        }
    } else {
        return;
    }
    ranks[i] = rank;
    rowids[i] = rowid;
}

int fouille_rank_postings(const FouillePostings *lists, int phrases, const char *map, int clauses, int soft,
                          int matching, const double *weights, int weight_count, long long rows, long long tokens,
                          const int *lengths, long long length_count, int keep, int first_positioned, int depth, long long *out_rowids, double *out_ranks,
                          int *out_position_counts,
                          int *out_positions, int *out_count) {
    *out_count = 0;
    if (phrases <= 0 || phrases > MAX_PHRASES || keep <= 0 || first_positioned < 0 || first_positioned >= keep) return 1;
    QueryStats stats;
    memset(&stats, 0, sizeof(stats));
    stats.phrases = phrases;
    sqlite3_int64 documents[MAX_PHRASES];
    read_map(map, &stats, documents);
    for (int p = 0; p < phrases; p++) stats.idf[p] = idf_of(rows, documents[p] < 0 ? lists[p].count : documents[p]);
    for (int c = 0; c < MAX_COLUMNS; c++) stats.weights[c] = c < weight_count ? weights[c] : 1.0;
    stats.average_length = average_length_of(rows, tokens);
    int n = clauses;
    if (n <= 0 || n > MAX_CLAUSES) n = MAX_CLAUSES;
    // tier_rank() adds a phrase's weight once per instance. When each of a
    // phrase's weights (times a correction's) is a multiple of 1/256 below
    // 2^20, each partial sum is exact, and count × weight is the same
    // number: the counts per column then stand for the phrase's instances.
    int exact_counts[MAX_PHRASES];
    for (int p = 0; p < phrases; p++) {
        exact_counts[p] = lists[p].column_counts != NULL;
        for (int c = 0; c < FOUILLE_POSTING_COLUMNS; c++) {
            double value = instance_weight(&stats, p, c) * 256.0;
            if (!(value >= 0 && value < 268435456.0 && value == floor(value))) exact_counts[p] = 0;
        }
    }

    // Each phrase's instance weight in the three columns, once.
    double weight[MAX_PHRASES][FOUILLE_POSTING_COLUMNS];
    for (int p = 0; p < phrases; p++)
        for (int c = 0; c < FOUILLE_POSTING_COLUMNS; c++) weight[p][c] = instance_weight(&stats, p, c);
    // The rows to rank come from the driving phrases: those of the clause in
    // fewest rows when every clause is required (the others are sought in
    // its rows), the restricting ones, or every clause's.
    int drives[MAX_PHRASES], driven[MAX_PHRASES], at[MAX_PHRASES], cursor[MAX_PHRASES];
    int rarest = 0;
    if (matching == FOUILLE_MATCH_ALL) {
        long long fewest = -1;
        for (int c = 0; c < n && c < clauses; c++) {
            long long rows_of_clause = 0;
            for (int p = 0; p < phrases; p++)
                if (stats.clause_of[p] == c) rows_of_clause += lists[p].count;
            if (fewest < 0 || rows_of_clause < fewest) {
                fewest = rows_of_clause;
                rarest = c;
            }
        }
    }
    // Proximity walks the instances of the clauses' own phrases only.
    int walked[MAX_PHRASES];
    for (int p = 0; p < phrases; p++) {
        int clause = stats.clause_of[p];
        walked[p] = clause >= 0 && clause < n;
        drives[p] = matching == FOUILLE_MATCH_ALL ? clause == rarest
                  : matching == FOUILLE_MATCH_RESTRICTED ? clause == -2
                  : clause >= 0;
        driven[p] = 0;
        cursor[p] = 0;
    }
    // A phrase repeated (a restricting clause's phrases are) has the same
    // postings: its entry is the first one's, not sought again.
    int same[MAX_PHRASES];
    for (int p = 0; p < phrases; p++) {
        same[p] = -1;
        for (int q = 0; q < p && same[p] < 0; q++)
            if (lists[q].rowids == lists[p].rowids && lists[q].count == lists[p].count) same[p] = q;
    }
    // The clauses a row must hold when every one is required.
    int required_clauses = n < clauses ? n : clauses;
    unsigned long long required = required_clauses >= 64 ? ~0ULL
                                : required_clauses <= 0 ? 0 : (1ULL << required_clauses) - 1;
    // What each step of a row needs, worked out once: the phrases that
    // drive, those sought or copied (in phrase order: a copy's original
    // comes first), those scored, and each phrase's bit among the clauses.
    int driving[MAX_PHRASES], others[MAX_PHRASES], scored[MAX_PHRASES], every[MAX_PHRASES];
    int driving_count = 0, other_count = 0, scored_count = 0;
    unsigned long long clause_bit[MAX_PHRASES], typed_bit[MAX_PHRASES];
    int exclusion[MAX_PHRASES];
    for (int p = 0; p < phrases; p++) {
        every[p] = p;
        if (drives[p]) driving[driving_count++] = p; else others[other_count++] = p;
        int clause = stats.clause_of[p];
        if (clause != -2) scored[scored_count++] = p;
        clause_bit[p] = clause >= 0 && clause < n ? 1ULL << clause : 0;
        typed_bit[p] = stats.corrected[p] ? 0 : clause_bit[p];
        exclusion[p] = clause == -1;
    }
    // proximity_factor()'s most for a row holding k clauses, k = 0...n.
    double most_proximity[MAX_CLAUSES + 1];
    for (int k = 0; k <= n; k++) most_proximity[k] = maximum_proximity(n, k);
    Candidate *candidates = NULL;
    // Each candidate's entry in every phrase's postings, for its walk.
    int *entries = NULL;
    int candidate_count = 0, candidate_capacity = 0;
    for (;;) {
        long long rowid = 0;
        int found = 0;
        for (int d = 0; d < driving_count; d++) {
            int p = driving[d];
            if (driven[p] >= lists[p].count) continue;
            long long candidate = lists[p].rowids[driven[p]];
            if (!found || candidate < rowid) {
                rowid = candidate;
                found = 1;
            }
        }
        if (!found) break;
        // The driving phrases' entries are where the merge stands; the
        // others' are copied, or sought from where the previous row left them.
        for (int d = 0; d < driving_count; d++) {
            int p = driving[d];
            at[p] = entry_at(&lists[p], driven[p], rowid);
            if (at[p] >= 0) driven[p]++;
        }
        entries_of(lists, others, other_count, same, rowid, cursor, at);

        unsigned long long present = 0, present_as_typed = 0;
        int excluded = 0;
        for (int p = 0; p < phrases; p++) {
            if (at[p] < 0) continue;
            present |= clause_bit[p];
            present_as_typed |= typed_bit[p];
            excluded |= exclusion[p];
        }
        if (excluded) continue;
        if (matching == FOUILLE_MATCH_ALL && (present & required) != required) continue;
        long tier = 0;
        int typos = 0;
        if (!soft) tier_of(present, present_as_typed, n, &tier, &typos);
        if (candidate_count == candidate_capacity) {
            int capacity = candidate_capacity ? candidate_capacity * 2 : 1024;
            Candidate *grown = sqlite3_realloc64(candidates, sizeof(Candidate) * (sqlite3_uint64)capacity);
            if (grown) candidates = grown;
            int *grown_entries =
                grown ? sqlite3_realloc64(entries, sizeof(int) * (sqlite3_uint64)capacity * (sqlite3_uint64)phrases) : NULL;
            if (!grown_entries) {
                sqlite3_free(candidates);
                sqlite3_free(entries);
                return SQLITE_NOMEM;
            }
            entries = grown_entries;
            candidate_capacity = capacity;
        }
        memcpy(entries + (size_t)candidate_count * (size_t)phrases, at, sizeof(int) * (size_t)phrases);
        Candidate *candidate = &candidates[candidate_count];
        candidate->slot = candidate_count++;
        candidate->clauses_present = __builtin_popcountll(present);
        candidate->rowid = rowid;
        candidate->tier = tier;
        candidate->typos = typos;
    }
    // Then their scores, in a second pass: the counts and lengths it reads
    // are scattered over megabytes, and here where each one is is known
    // ahead, so it is asked of memory a few rows early. Read as the rows
    // were found, a row waited for each of them in turn (a third of the
    // time spent choosing).
    enum { PREFETCH_ROWS = 8 };
    for (int k = 0; k < candidate_count; k++) {
        if (k + PREFETCH_ROWS < candidate_count) {
            const Candidate *ahead = &candidates[k + PREFETCH_ROWS];
            const int *ahead_at = entries + (size_t)ahead->slot * (size_t)phrases;
            if (ahead->rowid < length_count) __builtin_prefetch(&lengths[ahead->rowid]);
            for (int s = 0; s < scored_count; s++) {
                int p = scored[s];
                if (ahead_at[p] >= 0 && lists[p].column_counts)
                    __builtin_prefetch(lists[p].column_counts + (size_t)ahead_at[p] * FOUILLE_POSTING_COLUMNS);
            }
        }
        Candidate *candidate = &candidates[k];
        const int *row_at = entries + (size_t)candidate->slot * (size_t)phrases;
        long long rowid = candidate->rowid;
        int length = rowid < length_count ? lengths[rowid] : 0;
        double norm = BM25_K1 * (1 - BM25_B + BM25_B * (double)length / stats.average_length);
        // Summed in phrase order, as tier_rank() sums: the same score to the
        // last bit (an absent phrase's share is 0, which adds nothing).
        double score = 0.0;
        for (int s = 0; s < scored_count; s++) {
            int p = scored[s];
            if (row_at[p] < 0) continue;
            double frequency = 0.0;
            const unsigned char *counts =
                exact_counts[p] ? lists[p].column_counts + (size_t)row_at[p] * FOUILLE_POSTING_COLUMNS : NULL;
            if (counts && counts[0] < FOUILLE_COUNT_SATURATED && counts[1] < FOUILLE_COUNT_SATURATED &&
                counts[2] < FOUILLE_COUNT_SATURATED) {
                for (int c = 0; c < FOUILLE_POSTING_COLUMNS; c++) frequency += (double)counts[c] * weight[p][c];
            } else {
                for (int i = lists[p].starts[row_at[p]]; i < lists[p].starts[row_at[p] + 1]; i++)
                    frequency += instance_weight(&stats, p, column_of(lists[p].instances[i]));
            }
            score += bm25_share(&stats, p, frequency, norm);
        }
        candidate->score = score;
        candidate->best_case =
            rank_of(soft, candidate->tier, candidate->typos, score * most_proximity[candidate->clauses_present]);
    }
    // Proximity walks a row's instances, the costly part: rows are walked
    // best bound first, and once the page is full, the first row whose
    // bound cannot beat it ends the walks (the rows after it cannot either).
    // The rows come off a heap in that order: most queries stop after a few,
    // and sorting them all was a tenth of the ranking.
    for (int c = candidate_count / 2 - 1; c >= 0; c--) sift_down(candidates, candidate_count, c);
    int kept = 0;
    for (int left = candidate_count; left > 0; left--) {
        Candidate best = candidates[0];
        candidates[0] = candidates[left - 1];
        sift_down(candidates, left - 1, 0);
        const Candidate *candidate = &best;
        if (kept == keep && !ranks_before(candidate->best_case, candidate->rowid, out_ranks[0], out_rowids[0])) break;
        WalkVisit visit;
        walk_start(&visit.walk);
        visit.clause_of = stats.clause_of;
        visit.n = n;
        int k = candidate->clauses_present;
        visit.most_window = n < 2 ? 0 : k;
        visit.most_pairs = n < 2 ? 0 : (k * (k - 1) / 2 < n - 1 ? k * (k - 1) / 2 : n - 1);
        each_instance(lists, phrases, entries + (size_t)candidate->slot * (size_t)phrases, walked, &visit, visit_walk);
        double rank = rank_of(soft, candidate->tier, candidate->typos, candidate->score * walk_factor(&visit.walk, n));
        keep_best(out_ranks, out_rowids, &kept, keep, rank, candidate->rowid);
    }
    sqlite3_free(candidates);
    sqlite3_free(entries);
    // Best first: insertion sort (a page is a few rows).
    for (int i = 1; i < kept; i++) {
        double rank = out_ranks[i];
        long long rowid = out_rowids[i];
        int j = i;
        while (j > 0 && ranks_before(rank, rowid, out_ranks[j - 1], out_rowids[j - 1])) {
            out_ranks[j] = out_ranks[j - 1];
            out_rowids[j] = out_rowids[j - 1];
            j--;
        }
        out_ranks[j] = rank;
        out_rowids[j] = rowid;
    }
    for (int k = first_positioned; k < kept; k++) {
        entries_of(lists, every, phrases, same, out_rowids[k], NULL, at);
        PositionVisit visit = {out_positions + (size_t)(k - first_positioned) * 3 * MAX_POSITIONS, 0, 0, depth};
        each_instance(lists, phrases, at, NULL, &visit, visit_position);
        out_position_counts[k - first_positioned] = visit.count;
    }
    *out_count = kept;
    return 0;
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
    RankingShared *shared = sqlite3_malloc(sizeof(RankingShared));
    if (shared == NULL) return SQLITE_NOMEM;
    memset(shared, 0, sizeof(RankingShared));
    shared->db = (sqlite3 *)db;
    // Shared by both; tier_rank()'s destructor frees it when the connection
    // closes, after which neither function runs.
    int rc = api->xCreateFunction(api, "match_positions", shared, match_positions, NULL);
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "phrase_instances", shared, phrase_instances, NULL);
    if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "index_totals", NULL, index_totals, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_free(shared);
        return rc;
    }
    return api->xCreateFunction(api, "tier_rank", shared, tier_rank, free_shared);
}
