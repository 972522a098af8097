// Fixed-point number formatting for the wire protocol, in C: Swift does not
// import C's variadic printf family, and formatting through a Swift va_list
// cost more than the rest of a hit's line.
#ifndef FOUILLE_CFIXEDPOINT_H
#define FOUILLE_CFIXEDPOINT_H

#ifdef __cplusplus
extern "C" {
#endif

/// Writes `value` with `decimals` digits after the point (printf's "%.*f",
/// C locale) into `buffer` of `size` bytes, NUL-terminated. Returns the
/// length written, or a negative number or `size` or more when it did not fit.
int fouille_fixed_point(char *buffer, int size, double value, int decimals);

#ifdef __cplusplus
}
#endif

#endif
