/*
 * The default pager's two stores behind one set of pager callbacks: the RAM
 * store of the pager framework, and the swap disk (default_pager_swap.c),
 * reached through the backing-store server, with the swap-space allocator of
 * pager/swap placing pages in a static area per object or one by one with
 * a disk map.
 */
#ifndef DEFAULT_PAGER_H
#define DEFAULT_PAGER_H

#include <pager/pager.h>
#include <stdbool.h>
#include <stdint.h>
#include <swap.h>

/*
 * Use the backing-store server @bstore (a send right) as the swap device,
 * with a static swap area per object when @static_areas, else per-page
 * allocation with a disk map, and at most @writes batches on their way to
 * the disk at once (0: each written and waited for in turn; at most 4).
 * Memory for the allocator comes from the pager framework's arenas and one
 * region allocated now. Returns 0 or -ERR_*.
 */
int dp_swap_init(port_name_t bstore, bool static_areas, uint32_t writes);
/*
 * Writes in flight for a pager whose own memory does not grow under
 * pressure: two batches hold 32 frames at the server while the buffer
 * faults 16 back in, under the 64 of the smallest reserve (frames=4096).
 * A pager that grows a pool from the same reserve (the compressed pager)
 * keeps one (docs/swap.md).
 */
#define DP_WRITES_DEFAULT 2u

/*
 * dp_swap_init on the backing-store server found in the name service as
 * "bstore", with static areas when the program's arguments say
 * "placement=static"; a failure is logged under @who. Returns 0 or -ERR_*.
 */
int dp_swap_open(const char *who, int argc, char **argv);

/* The swap store's callbacks: the default pager's ops with store=disk. */
extern const struct pager_ops dp_swap_ops;

/* on_init: set the object's swap state up (placement (a) reserves its area now). */
int dp_swap_object_init(struct pager *pager, struct pager_object *obj);

/* on_data_request: pages kept in memory, then pages on disk, else zero fill. */
void dp_swap_request(struct pager *pager, struct pager_object *obj, uint64_t offset, uint64_t count,
                     unsigned access);

/*
 * The block holding the page at @offset of @obj when the disk alone holds
 * it (not kept in memory, not lost), else SWAP_NONE. Object lock held.
 */
swap_blk_t dp_swap_block(struct pager_object *obj, uint64_t offset);

/*
 * Read @n blocks (at most 16) from @blk in one backing-store request into a
 * fresh region, *@pages (the caller deallocates it). 0 or -ERR_* (logged).
 * The writes gathered behind go first (dp_swap_flush).
 */
int dp_swap_read(swap_blk_t blk, uint64_t n, void **pages);

/* Write the pages gathered behind (pages returned, not yet on the disk) now, in one request. */
void dp_swap_flush(void);

/*
 * How many pages from @offset of @obj (at most @max, and 16) lie on the disk
 * only, on consecutive blocks: one backing-store read takes them all. 0
 * when the page at @offset is not on the disk. Object lock held.
 */
uint64_t dp_swap_run(struct pager_object *obj, uint64_t offset, uint64_t max);

/*
 * Read the @n pages from @offset (a run, dp_swap_run) in one backing-store
 * request and supply them in one message (not precious: the disk keeps its
 * copy); if the kernel refuses the run, the first page alone. Returns the
 * bytes the run covered. @traced: mark the steps of a traced fault.
 */
uint64_t dp_swap_supply_run(struct pager_object *obj, uint64_t offset, uint64_t n, bool traced);

/* Does the disk hold a valid copy of the page at @offset of @obj? (object lock held) */
bool dp_swap_has(struct pager_object *obj, uint64_t offset);

/*
 * The page at @offset of @obj is stored elsewhere now (another pager's
 * tier over this store: the compressed pager's pool): its disk copy is
 * forgotten and its block freed (placement (b)). Call with the object's
 * lock held.
 */
void dp_swap_discard(struct pager_object *obj, uint64_t offset);

/* on_data_return: write modified pages to their blocks; keep them in memory if swap is full. */
void dp_swap_return(struct pager *pager, struct pager_object *obj, uint64_t offset, uint64_t dirty,
                    void *pages, uint64_t size);

/*
 * on_evacuate: supply the next @count pages on disk (read back, precious;
 * from the first with @first), then the pages kept in memory; the blocks
 * go with terminate. Returns EVACUATE_MORE until every page went, then
 * EVACUATE_DONE (never refuses).
 */
int dp_swap_evacuate(struct pager *pager, struct pager_object *obj, uint64_t count, bool first);

/* on_terminate: give the object's blocks back. */
void dp_swap_terminate(struct pager *pager, struct pager_object *obj);

/*
 * on_store_stats: the swap disk's figures (blocks in all and in use, blocks
 * written and read, returned pages kept in memory: swap full or a write failed).
 */
void dp_swap_stats(struct pager *pager, struct pager_store_stats *out);

#endif
