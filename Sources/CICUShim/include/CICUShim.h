// A narrow C face over ICU for Fouille's analysis.
//
// Swift cannot import the system ICU headers next to Foundation (both define
// ICU's C types), so this header exposes no ICU type: only opaque handles,
// byte offsets into UTF-8 text and plain integers.
#ifndef FOUILLE_CICUSHIM_H
#define FOUILLE_CICUSHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kind of a segment, from ICU's word-break rule status.
enum {
    FOUILLE_SEGMENT_NONE = 0,   ///< spaces, punctuation, symbols, emoji
    FOUILLE_SEGMENT_NUMBER = 1,
    FOUILLE_SEGMENT_LETTER = 2,
    FOUILLE_SEGMENT_KANA = 3,
    FOUILLE_SEGMENT_IDEO = 4,
};

/// A word-break iterator over UTF-8 text. Not thread-safe: one per thread.
typedef struct fouille_segmenter fouille_segmenter;

/// Creates a segmenter for `locale` (e.g. "fr"); NULL when ICU refuses.
fouille_segmenter *fouille_segmenter_create(const char *locale);
void fouille_segmenter_destroy(fouille_segmenter *segmenter);

/// Points the segmenter at `length` bytes of UTF-8. The bytes are not copied:
/// they must stay alive and unchanged until the next call to set_text.
/// Returns 0 on success.
int fouille_segmenter_set_text(fouille_segmenter *segmenter, const char *utf8, int32_t length);

/// Advances to the next segment. Returns 1 and sets the byte range
/// [*start, *end) and its FOUILLE_SEGMENT_* kind, or 0 at the end.
int fouille_segmenter_next(fouille_segmenter *segmenter, int32_t *start, int32_t *end, int32_t *kind);

/// Folds one word: NFKC case folding, then diacritics removed and Latin
/// ligatures and special letters expanded (œ→oe, æ→ae, ø→o, ł→l, þ→th).
/// Writes UTF-8 to dst (no terminator) and returns its length, or the length
/// needed when dst is too small (call again with a larger buffer), or -1 on
/// an ICU error.
int32_t fouille_fold(const char *src, int32_t length, char *dst, int32_t capacity);

#ifdef __cplusplus
}
#endif

#endif
