/*
 * File access through the Simple File System protocol of the device the
 * loader image came from (LoadedImage->DeviceHandle), i.e. the ESP. Each file
 * lands in its own page-aligned EfiLoaderData block, which is what the kernel
 * later finds as a BOOT_MEM_LOADER range.
 */
#include <efi.h>
#include <efilib.h>

#include "efifile.h"

EFI_STATUS efifile_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
    EFI_GUID image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
    EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
    EFI_LOADED_IMAGE *loaded;
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
    EFI_STATUS status;

    status = BS->HandleProtocol(image, &image_guid, (void **)&loaded);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: no LoadedImage protocol: %r\n", status);
        return status;
    }
    status = BS->HandleProtocol(loaded->DeviceHandle, &fs_guid, (void **)&fs);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: boot device has no file system: %r\n", status);
        return status;
    }
    status = fs->OpenVolume(fs, root);
    if (EFI_ERROR(status))
        Print(L"loader: error: cannot open the boot volume: %r\n", status);
    return status;
}

uint64_t efifile_pages(uint64_t size)
{
    uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;

    return pages ? pages : 1;
}

void efifile_free(uint64_t phys, uint64_t size)
{
    BS->FreePages(phys, efifile_pages(size));
}

static EFI_STATUS efifile_size(EFI_FILE_HANDLE file, const char *path, uint64_t *size)
{
    EFI_GUID info_guid = EFI_FILE_INFO_ID;
    uint64_t buf[(sizeof(EFI_FILE_INFO) + 2 * LOADER_PATH_MAX + 7) / 8 + 1];
    UINTN len = sizeof(buf);
    EFI_STATUS status;

    status = file->GetInfo(file, &info_guid, &len, buf);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: cannot stat '%a': %r\n", path, status);
        return status;
    }
    *size = ((EFI_FILE_INFO *)buf)->FileSize;
    return EFI_SUCCESS;
}

/* Read exactly @size bytes; the firmware may return fewer per call. */
static EFI_STATUS efifile_read_all(EFI_FILE_HANDLE file, const char *path, uint8_t *dest,
                                   uint64_t size)
{
    EFI_STATUS status;
    uint64_t done = 0;
    UINTN len;

    while (done < size) {
        len = size - done;
        status = file->Read(file, &len, dest + done);
        if (!EFI_ERROR(status) && len == 0)
            status = EFI_END_OF_FILE;
        if (EFI_ERROR(status)) {
            Print(L"loader: error: reading '%a' failed at byte %ld: %r\n", path, done, status);
            return status;
        }
        done += len;
    }
    return EFI_SUCCESS;
}

static EFI_STATUS efifile_open(EFI_FILE_HANDLE root, const char *path, EFI_FILE_HANDLE *file)
{
    CHAR16 wpath[LOADER_PATH_MAX + 1];
    EFI_STATUS status;
    UINTN i;

    wpath[0] = L'\\';
    for (i = 0; path[i] && i + 1 < LOADER_PATH_MAX; i++)
        wpath[i + 1] = (CHAR16)path[i];
    wpath[i + 1] = 0;
    status = root->Open(root, file, wpath, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(status))
        Print(L"loader: error: cannot open '\\%a': %r\n", path, status);
    return status;
}

EFI_STATUS efifile_read(EFI_FILE_HANDLE root, const char *path, uint64_t *phys, uint64_t *size)
{
    EFI_PHYSICAL_ADDRESS addr = 0;
    EFI_FILE_HANDLE file;
    EFI_STATUS status;
    uint64_t pages;

    status = efifile_open(root, path, &file);
    if (EFI_ERROR(status))
        return status;
    status = efifile_size(file, path, size);
    if (EFI_ERROR(status))
        goto out_close;
    pages = efifile_pages(*size);
    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: no memory for '%a' (%ld bytes): %r\n", path, *size, status);
        goto out_close;
    }
    __builtin_memset((void *)addr, 0, pages * PAGE_SIZE);
    status = efifile_read_all(file, path, (uint8_t *)addr, *size);
    if (EFI_ERROR(status)) {
        BS->FreePages(addr, pages);
        goto out_close;
    }
    *phys = addr;
out_close:
    file->Close(file);
    return status;
}
