/*
 * Reading whole files from the volume the loader was started from, into
 * page-aligned EfiLoaderData pages. Errors are printed here, naming the file,
 * so callers only pass the status on.
 */
#ifndef BOOT_EFIFILE_H
#define BOOT_EFIFILE_H

#include <efi.h>

#include "loader.h"

/* Open the root directory of the loader's own volume into *root. */
EFI_STATUS efifile_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root);

/*
 * Read the ESP-relative @path (backslash separated, no leading '\') into
 * freshly allocated EfiLoaderData pages: *phys gets their address, *size the
 * file's length; the bytes after the end up to the page boundary are zero.
 * The caller owns the pages (release with efifile_free).
 */
EFI_STATUS efifile_read(EFI_FILE_HANDLE root, const char *path, uint64_t *phys, uint64_t *size);

/* Number of 4 KiB pages holding @size bytes (at least one). */
uint64_t efifile_pages(uint64_t size);

/* Free the pages efifile_read allocated for a file of @size bytes at @phys. */
void efifile_free(uint64_t phys, uint64_t size);

#endif
