/* The export table the build generates from exports.txt (sim/exports.py) includes this. */
#ifndef FIRMWARE_EXPORTS_H
#define FIRMWARE_EXPORTS_H

#include "export_table.h"

extern const export_table firmware_exports;

#endif
