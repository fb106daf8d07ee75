/* The reference firmware's export table: what its modules may import. Generated at build time
 * from exports.txt (sim/exports.py) into its own section; the loader library only sees it
 * through loader_env.exports. */
#ifndef FIRMWARE_EXPORTS_H
#define FIRMWARE_EXPORTS_H

#include "export_table.h"

extern const export_table firmware_exports;

#endif
