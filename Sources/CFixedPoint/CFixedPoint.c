#include "CFixedPoint.h"

#include <stdio.h>

int fouille_fixed_point(char *buffer, int size, double value, int decimals) {
    return snprintf(buffer, (size_t)size, "%.*f", decimals, value);
}
