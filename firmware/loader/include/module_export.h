/* MODULE_EXPORT(name): export a global function or object of a module, as listing it in
 * module.toml's `exports` does (README.md, "Adding a module"). A module exports its entry and
 * what it names here or there; the packer's link (sim/modbuild.py, --gc-sections) drops every
 * function and object those do not reach, and only exported names go into the module file's
 * export table, where the loader finds the entry and resolves dependants' imports.
 *
 * Write it at file scope, after the definition:
 *     uint16_t fletcher16(const uint8_t *data, size_t length) { ... }
 *     MODULE_EXPORT(fletcher16);
 * It puts the name into a section that is never loaded (.module_exports), where the packer
 * reads it from the object files. The name is the symbol's: in C++, declare the function
 * extern "C" (or give the mangled name). sim/modbuild.py puts this folder on the include path
 * of every module. */
#ifndef MODULE_EXPORT_H
#define MODULE_EXPORT_H

#define MODULE_EXPORT(name) \
    __asm__(".pushsection .module_exports, \"\", %progbits\n\t" \
            ".asciz \"" #name "\"\n\t" \
            ".popsection")

#endif
