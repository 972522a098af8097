// ICU behind CICUShim.h: word segmentation and folding.
#include "CICUShim.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

struct fouille_segmenter {
    UBreakIterator *iterator;
    UText *text;
    int32_t position;
};

fouille_segmenter *fouille_segmenter_create(const char *locale) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *iterator = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    if (U_FAILURE(status)) return NULL;
    fouille_segmenter *segmenter = calloc(1, sizeof *segmenter);
    if (segmenter == NULL) {
        ubrk_close(iterator);
        return NULL;
    }
    segmenter->iterator = iterator;
    return segmenter;
}

void fouille_segmenter_destroy(fouille_segmenter *segmenter) {
    if (segmenter == NULL) return;
    ubrk_close(segmenter->iterator);
    if (segmenter->text) utext_close(segmenter->text);
    free(segmenter);
}

int fouille_segmenter_set_text(fouille_segmenter *segmenter, const char *utf8, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    // A UText over the bytes in place: its native indexes are byte offsets
    // into the UTF-8, which is what FTS5 wants back. The iterator keeps its
    // own shallow clone, so this one can go at once.
    UText text = UTEXT_INITIALIZER;
    utext_openUTF8(&text, utf8, length, &status);
    if (U_FAILURE(status)) return -1;
    ubrk_setUText(segmenter->iterator, &text, &status);
    utext_close(&text);
    if (U_FAILURE(status)) return -1;
    segmenter->position = ubrk_first(segmenter->iterator);
    return 0;
}

static int32_t kind_of_status(int32_t rule_status) {
    if (rule_status >= UBRK_WORD_IDEO && rule_status < UBRK_WORD_IDEO_LIMIT) return FOUILLE_SEGMENT_IDEO;
    if (rule_status >= UBRK_WORD_KANA && rule_status < UBRK_WORD_KANA_LIMIT) return FOUILLE_SEGMENT_KANA;
    if (rule_status >= UBRK_WORD_LETTER && rule_status < UBRK_WORD_LETTER_LIMIT) return FOUILLE_SEGMENT_LETTER;
    if (rule_status >= UBRK_WORD_NUMBER && rule_status < UBRK_WORD_NUMBER_LIMIT) return FOUILLE_SEGMENT_NUMBER;
    return FOUILLE_SEGMENT_NONE;
}

int fouille_segmenter_next(fouille_segmenter *segmenter, int32_t *start, int32_t *end, int32_t *kind) {
    int32_t next = ubrk_next(segmenter->iterator);
    if (next == UBRK_DONE) return 0;
    *start = segmenter->position;
    *end = next;
    *kind = kind_of_status(ubrk_getRuleStatus(segmenter->iterator));
    segmenter->position = next;
    return 1;
}

/// Letters that Unicode decomposition leaves whole but a French reader sees
/// as a plain Latin spelling. Returns the replacement or NULL.
static const UChar *latin_expansion(UChar c) {
    static const UChar oe[] = {'o', 'e', 0}, ae[] = {'a', 'e', 0}, o[] = {'o', 0}, l[] = {'l', 0},
                       d[] = {'d', 0}, h[] = {'h', 0}, i[] = {'i', 0}, t[] = {'t', 0}, th[] = {'t', 'h', 0};
    switch (c) {
    case 0x0153: return oe; // œ
    case 0x00E6: return ae; // æ
    case 0x00F8: return o;  // ø
    case 0x0142: return l;  // ł
    case 0x0111: return d;  // đ
    case 0x00F0: return d;  // ð
    case 0x0127: return h;  // ħ
    case 0x0131: return i;  // dotless ı
    case 0x0167: return t;  // ŧ
    case 0x00FE: return th; // þ
    default: return NULL;
    }
}

#define FOLD_STACK 128

int32_t fouille_fold(const char *src, int32_t length, char *dst, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *casefold = unorm2_getNFKCCasefoldInstance(&status);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&status);
    if (U_FAILURE(status)) return -1;

    // Buffers: on the stack for ordinary words, on the heap for long ones.
    // NFKC case folding expands a UTF-8 byte into at most 6 UTF-16 units (U+FDFA).
    int32_t cap = length * 8 + 16;
    UChar stack_a[FOLD_STACK], stack_b[FOLD_STACK];
    UChar *a = cap <= FOLD_STACK ? stack_a : malloc(sizeof(UChar) * cap);
    UChar *b = cap <= FOLD_STACK ? stack_b : malloc(sizeof(UChar) * cap);
    int32_t result = -1;
    if (a == NULL || b == NULL) goto done;

    int32_t n = 0;
    u_strFromUTF8WithSub(a, cap, &n, src, length, 0xFFFD, NULL, &status);
    if (U_FAILURE(status)) goto done;
    n = unorm2_normalize(casefold, a, n, b, cap, &status);
    if (U_FAILURE(status)) goto done;
    n = unorm2_normalize(nfd, b, n, a, cap, &status);
    if (U_FAILURE(status)) goto done;

    // Drop combining marks (the accents NFD split off), expand the rest.
    int32_t m = 0;
    for (int32_t k = 0; k < n && m < cap - 2; k++) {
        UChar c = a[k];
        if (U16_IS_SURROGATE(c)) { b[m++] = c; continue; }
        if (u_charType(c) == U_NON_SPACING_MARK) continue;
        const UChar *expansion = latin_expansion(c);
        if (expansion) {
            for (const UChar *e = expansion; *e; e++) b[m++] = *e;
        } else {
            b[m++] = c;
        }
    }
    int32_t written = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8(dst, capacity, &written, b, m, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING || U_SUCCESS(status)) {
        result = written;
    }
done:
    if (a != stack_a) free(a);
    if (b != stack_b) free(b);
    return result;
}
