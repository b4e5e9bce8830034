/*
 * The UEFI loader (BOOTX64.EFI): reads \boot.cfg from its own volume, loads
 * the kernel ELF and the boot modules, builds the boot page tables, fills the
 * boot_info hand-off (include/boot/bootinfo.h), exits boot services and jumps
 * to the kernel. Every failure before the exit prints one clear message and
 * returns an error status to the firmware.
 */
#include <efi.h>
#include <efilib.h>

#include "efifile.h"
#include "loader.h"

#include <mmu_x86_64.h>

#define LOADER_GIB (1ULL << 30)
#define LOADER_MAP_SLACK 64 /* extra descriptors for allocations after the size query */
#define LOADER_EXIT_TRIES 8

struct loader_state {
    EFI_HANDLE image;
    EFI_FILE_HANDLE root;
    struct boot_info *info;
    uint64_t entry; /* kernel entry, virtual */
    uint64_t top;   /* end of the identity and direct maps */
    uint64_t table_pages;
    EFI_MEMORY_DESCRIPTOR *map; /* buffer for GetMemoryMap */
    UINTN map_cap;              /* its size in bytes */
    UINTN map_size, map_key, desc_size;
    struct boot_mem_range *scratch; /* one entry per descriptor the buffer can hold */
};

static struct loader_config loader_cfg;

/* Read and parse \boot.cfg into loader_cfg. */
static EFI_STATUS loader_config_load(struct loader_state *st)
{
    uint64_t phys, size;
    EFI_STATUS status;
    const char *err;
    unsigned line;

    status = efifile_read(st->root, "boot.cfg", &phys, &size);
    if (EFI_ERROR(status))
        return status;
    err = config_parse((const char *)phys, size, &loader_cfg, &line);
    efifile_free(phys, size);
    if (err) {
        if (line)
            Print(L"loader: error: \\boot.cfg line %d: %a\n", line, err);
        else
            Print(L"loader: error: \\boot.cfg: %a\n", err);
        return EFI_LOAD_ERROR;
    }
    return EFI_SUCCESS;
}

static EFI_STATUS loader_info_alloc(struct loader_state *st)
{
    EFI_PHYSICAL_ADDRESS addr;
    EFI_STATUS status;

    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData,
                               efifile_pages(sizeof(struct boot_info)), &addr);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: no memory for boot_info: %r\n", status);
        return status;
    }
    st->info = (struct boot_info *)addr;
    __builtin_memset(st->info, 0, sizeof(struct boot_info));
    st->info->magic = BOOT_INFO_MAGIC;
    st->info->version = BOOT_INFO_VERSION;
    st->info->size = sizeof(struct boot_info);
    return EFI_SUCCESS;
}

/* Copy a checked kernel image into one zeroed block spanning BOOT_KERNEL_BASE to its end. */
static EFI_STATUS loader_kernel_place(struct loader_state *st, uint64_t file,
                                      const struct elf_kernel *k)
{
    EFI_PHYSICAL_ADDRESS block;
    EFI_STATUS status;

    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, k->span / PAGE_SIZE, &block);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: no memory for the kernel (%ld bytes): %r\n", k->span, status);
        return status;
    }
    __builtin_memset((void *)block, 0, k->span);
    elf_kernel_copy((const void *)file, (uint8_t *)block);
    st->info->kernel_phys = block;
    st->info->kernel_size = k->span;
    st->entry = k->entry;
    return EFI_SUCCESS;
}

static EFI_STATUS loader_kernel_load(struct loader_state *st)
{
    uint64_t phys, size;
    struct elf_kernel k;
    EFI_STATUS status;
    const char *err;

    status = efifile_read(st->root, loader_cfg.kernel, &phys, &size);
    if (EFI_ERROR(status))
        return status;
    err = elf_kernel_check((const void *)phys, size, &k);
    if (err) {
        Print(L"loader: error: \\%a: %a\n", loader_cfg.kernel, err);
        efifile_free(phys, size);
        return EFI_LOAD_ERROR;
    }
    status = loader_kernel_place(st, phys, &k);
    efifile_free(phys, size);
    if (EFI_ERROR(status))
        return status;
    Print(L"loader: kernel \\%a: %ld bytes file, %ld bytes mapped from phys 0x%lx, entry 0x%lx\n",
          loader_cfg.kernel, size, k.span, st->info->kernel_phys, k.entry);
    return EFI_SUCCESS;
}

static EFI_STATUS loader_modules_load(struct loader_state *st)
{
    struct boot_module *m;
    EFI_STATUS status;
    const char *name;
    uint32_t i, j;

    for (i = 0; i < loader_cfg.module_count; i++) {
        m = &st->info->modules[i];
        status = efifile_read(st->root, loader_cfg.modules[i], &m->phys, &m->size);
        if (EFI_ERROR(status))
            return status;
        name = config_base_name(loader_cfg.modules[i]);
        for (j = 0; name[j] && j + 1 < BOOT_MODULE_NAME_MAX; j++)
            m->name[j] = name[j];
        m->name[j] = '\0';
        st->info->module_count = i + 1;
        Print(L"loader: module %d: %a, %ld bytes at 0x%lx\n", i, m->name, m->size, m->phys);
    }
    return EFI_SUCCESS;
}

/* The ACPI RSDP from the configuration table: ACPI 2.0 first, then 1.0; 0 if none. */
static uint64_t loader_rsdp_find(void)
{
    EFI_GUID guids[2] = {ACPI_20_TABLE_GUID, ACPI_TABLE_GUID};
    EFI_CONFIGURATION_TABLE *t;
    UINTN g, i;

    for (g = 0; g < 2; g++) {
        for (i = 0; i < ST->NumberOfTableEntries; i++) {
            t = &ST->ConfigurationTable[i];
            if (CompareGuid(&t->VendorGuid, &guids[g]) == 0)
                return (uint64_t)t->VendorTable;
        }
    }
    return 0;
}

/* Fetch the current memory map into st->map (no allocation). */
static EFI_STATUS loader_map_get(struct loader_state *st)
{
    UINT32 version;

    st->map_size = st->map_cap;
    return BS->GetMemoryMap(&st->map_size, st->map, &st->map_key, &st->desc_size, &version);
}

/* Allocate the memory map buffer and the translation scratch, with slack. */
static EFI_STATUS loader_map_alloc(struct loader_state *st)
{
    EFI_STATUS status;
    UINTN count;

    st->map_cap = 0;
    status = loader_map_get(st);
    if (status != EFI_BUFFER_TOO_SMALL) {
        Print(L"loader: error: GetMemoryMap size query: %r\n", status);
        return EFI_ERROR(status) ? status : EFI_LOAD_ERROR;
    }
    st->map_cap = st->map_size + LOADER_MAP_SLACK * st->desc_size;
    count = st->map_cap / st->desc_size;
    status = BS->AllocatePool(EfiLoaderData, st->map_cap, (void **)&st->map);
    if (!EFI_ERROR(status))
        status = BS->AllocatePool(EfiLoaderData, count * sizeof(struct boot_mem_range),
                                  (void **)&st->scratch);
    if (EFI_ERROR(status))
        Print(L"loader: error: no memory for the memory map: %r\n", status);
    return status;
}

static EFI_MEMORY_DESCRIPTOR *loader_map_desc(struct loader_state *st, UINTN i)
{
    return (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)st->map + i * st->desc_size);
}

/* top = max(4 GiB, end of the highest map entry), rounded up to 1 GiB. */
static EFI_STATUS loader_top_find(struct loader_state *st)
{
    EFI_MEMORY_DESCRIPTOR *d;
    EFI_STATUS status;
    uint64_t end;
    UINTN i;

    status = loader_map_get(st);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: GetMemoryMap: %r\n", status);
        return status;
    }
    st->top = 4 * LOADER_GIB;
    for (i = 0; i < st->map_size / st->desc_size; i++) {
        d = loader_map_desc(st, i);
        end = d->PhysicalStart + d->NumberOfPages * PAGE_SIZE;
        if (end > st->top)
            st->top = end;
    }
    st->top = (st->top + LOADER_GIB - 1) & ~(LOADER_GIB - 1);
    if (st->top > PAGING_TOP_MAX) {
        Print(L"loader: error: memory map reaches 0x%lx, beyond the direct map\n", st->top);
        return EFI_UNSUPPORTED;
    }
    return EFI_SUCCESS;
}

static EFI_STATUS loader_paging_setup(struct loader_state *st)
{
    EFI_PHYSICAL_ADDRESS tables;
    EFI_STATUS status;

    st->table_pages = paging_table_count(st->top, st->info->kernel_size);
    status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, st->table_pages, &tables);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: no memory for %ld page-table pages: %r\n", st->table_pages, status);
        return status;
    }
    __builtin_memset((void *)tables, 0, st->table_pages * PAGE_SIZE);
    st->info->boot_pml4 = paging_build((void *)tables, tables, st->table_pages, st->top,
                                       st->info->kernel_phys, st->info->kernel_size);
    if (!st->info->boot_pml4) {
        Print(L"loader: error: page-table build ran out of table pages\n");
        return EFI_LOAD_ERROR;
    }
    return EFI_SUCCESS;
}

static uint32_t loader_mem_type(UINT32 efi_type)
{
    switch (efi_type) {
    case EfiConventionalMemory:
    case EfiBootServicesCode:
    case EfiBootServicesData:
    case EfiLoaderCode:
        return BOOT_MEM_FREE;
    case EfiLoaderData:
        return BOOT_MEM_LOADER;
    case EfiACPIReclaimMemory:
        return BOOT_MEM_ACPI_RECLAIM;
    case EfiACPIMemoryNVS:
        return BOOT_MEM_ACPI_NVS;
    case EfiMemoryMappedIO:
    case EfiMemoryMappedIOPortSpace:
        return BOOT_MEM_MMIO;
    default:
        return BOOT_MEM_RESERVED;
    }
}

/*
 * Translate st->map into info->mem: sorted, merged, fitted to
 * BOOT_MAX_MEM_RANGES. Allocates and prints nothing (runs right before
 * ExitBootServices). Returns the usable pages lost to fitting.
 */
static uint64_t loader_map_fill(struct loader_state *st)
{
    struct boot_mem_range *r = st->scratch;
    EFI_MEMORY_DESCRIPTOR *d;
    uint32_t i, n = 0;
    uint64_t lost;

    for (i = 0; i < st->map_size / st->desc_size; i++) {
        d = loader_map_desc(st, i);
        r[n].base = d->PhysicalStart;
        r[n].pages = d->NumberOfPages;
        r[n].type = loader_mem_type(d->Type);
        r[n].reserved = 0;
        n++;
    }
    memrange_sort(r, n);
    n = memrange_merge(r, n);
    n = memrange_fit(r, n, BOOT_MAX_MEM_RANGES, &lost);
    for (i = 0; i < n; i++)
        st->info->mem[i] = r[i];
    st->info->mem_count = n;
    return lost;
}

/* Translate the current map once to report it; the final one is redone at exit. */
static EFI_STATUS loader_report(struct loader_state *st)
{
    struct boot_info *info = st->info;
    uint64_t lost, free_pages = 0;
    EFI_STATUS status;
    uint32_t i;

    status = loader_map_get(st);
    if (EFI_ERROR(status)) {
        Print(L"loader: error: GetMemoryMap: %r\n", status);
        return status;
    }
    lost = loader_map_fill(st);
    for (i = 0; i < info->mem_count; i++) {
        if (info->mem[i].type == BOOT_MEM_FREE)
            free_pages += info->mem[i].pages;
    }
    Print(L"loader: memory: %ld descriptors -> %d ranges, %ld MiB free, mapped up to 0x%lx\n",
          (uint64_t)(st->map_size / st->desc_size), info->mem_count, free_pages >> 8, st->top);
    if (lost)
        Print(L"loader: warning: memory map too long, %ld usable pages reported reserved\n", lost);
    Print(L"loader: kernel %ld bytes, %d modules, cmdline '%a', rsdp 0x%lx, pml4 0x%lx\n",
          info->kernel_size, info->module_count, info->cmdline, info->acpi_rsdp, info->boot_pml4);
    Print(L"loader: exiting boot services, entering the kernel at 0x%lx\n", st->entry);
    return EFI_SUCCESS;
}

/*
 * Switch to the boot page tables and jump to the kernel with %rdi = @info.
 * Toggling CR4.PGE around the CR3 load also drops the firmware's global TLB
 * entries. The stack is left as a call would leave it (aligned, then a zero
 * return address), but the kernel should switch to its own at once: the
 * firmware stack is boot-services memory, reported FREE.
 */
static void __attribute__((noreturn)) loader_enter(uint64_t pml4, uint64_t entry, uint64_t info)
{
    uint64_t cr4;

    __asm__ volatile("cli" : : : "memory");
    cr4 = mmu_x86_cr4_read();
    mmu_x86_cr4_write(cr4 & ~CR4_PGE);
    mmu_x86_cr3_write(pml4);
    mmu_x86_cr4_write(cr4);
    __asm__ volatile("and $-16, %%rsp\n\t"
                     "pushq $0\n\t"
                     "jmp *%0\n\t"
                     :
                     : "r"(entry), "D"(info)
                     : "memory");
    __builtin_unreachable();
}

/* Final memory map, ExitBootServices (retrying a stale key), then the jump. */
static EFI_STATUS loader_exit(struct loader_state *st)
{
    EFI_STATUS status = EFI_SUCCESS;
    int tries;

    for (tries = 0; tries < LOADER_EXIT_TRIES; tries++) {
        status = loader_map_get(st);
        if (EFI_ERROR(status))
            break;
        loader_map_fill(st);
        status = BS->ExitBootServices(st->image, st->map_key);
        if (status == EFI_SUCCESS)
            loader_enter(st->info->boot_pml4, st->entry, (uint64_t)st->info);
        if (status != EFI_INVALID_PARAMETER)
            break;
    }
    Print(L"loader: error: ExitBootServices failed: %r\n", status);
    return EFI_ERROR(status) ? status : EFI_LOAD_ERROR;
}

static EFI_STATUS loader_run(struct loader_state *st)
{
    EFI_STATUS status;

    if (mmu_x86_cr4_read() & CR4_LA57) {
        Print(L"loader: error: firmware runs 5-level paging, unsupported\n");
        return EFI_UNSUPPORTED;
    }
    status = efifile_open_root(st->image, &st->root);
    if (!EFI_ERROR(status))
        status = loader_config_load(st);
    if (!EFI_ERROR(status))
        status = loader_info_alloc(st);
    if (!EFI_ERROR(status))
        status = loader_kernel_load(st);
    if (!EFI_ERROR(status))
        status = loader_modules_load(st);
    if (EFI_ERROR(status))
        return status;
    __builtin_memcpy(st->info->cmdline, loader_cfg.cmdline, BOOT_CMDLINE_MAX);
    st->info->acpi_rsdp = loader_rsdp_find();
    status = loader_map_alloc(st);
    if (!EFI_ERROR(status))
        status = loader_top_find(st);
    if (!EFI_ERROR(status))
        status = loader_paging_setup(st);
    if (!EFI_ERROR(status))
        status = loader_report(st);
    if (EFI_ERROR(status))
        return status;
    st->root->Close(st->root);
    return loader_exit(st);
}

/*
 * Firmware entry point (called by gnu-efi's crt0 after self-relocation).
 * Returns only on failure, with the error status, after printing why.
 */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    struct loader_state st = {0};

    InitializeLib(image, systab);
    Print(L"loader: started\n");
    st.image = image;
    return loader_run(&st);
}
