/* The heap modules get through malloc and friends: the free part of the module arena above the
 * loaded modules, reset for every job so that no job sees another's leftovers and results do
 * not depend on which jobs shared a boot. */
#ifndef HEAP_H
#define HEAP_H

#include <stdint.h>

void heap_reset(uint8_t *start, uint8_t *end);

#endif
