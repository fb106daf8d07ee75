#ifndef MEMORY_MAP_H
#define MEMORY_MAP_H

#include <stdint.h>

/* The symbols boards/sections.ld defines (addresses only: declared as arrays so that no code
 * takes them for objects with a size). */
extern uint8_t __flash_start[], __flash_end[];
extern uint8_t __ram_start[], __ram_end[];
extern uint8_t __job_stack_bottom[], __job_stack_top[];        /* first in RAM */
extern uint8_t __module_arena_start[], __module_arena_end[];   /* last in RAM */

#endif
